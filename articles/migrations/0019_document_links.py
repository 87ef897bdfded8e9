"""The documents' index (`DocumentLink`): what each stored document shows, by key, filled here
from the documents already stored (their `keys` and `related_ids`), a few thousand at a time."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    Document = apps.get_model("articles", "Document")
    DocumentLink = apps.get_model("articles", "DocumentLink")
    last = 0
    while True:
        rows = list(
            Document.objects.filter(article_id__gt=last)
            .order_by("article_id")
            .values_list("article_id", "keys", "related_ids", "article__published_at")[:2000]
        )
        if not rows:
            break
        links = []
        for article_id, keys, related_ids, published_at in rows:
            if published_at is None:
                continue
            shown = [k for k in keys.split() if k != f"article-{article_id}"]
            shown += [f"related-{i}" for i in related_ids.split()]
            links += [DocumentLink(article_id=article_id, key=k, published_at=published_at) for k in dict.fromkeys(shown)]
        DocumentLink.objects.bulk_create(links, batch_size=2000)
        last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0018_document_columns_for_lists_first'),
    ]

    operations = [
        migrations.CreateModel(
            name='DocumentLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64)),
                ('published_at', models.DateTimeField()),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='document_links', to='articles.article')),
            ],
            options={
                'verbose_name': 'document link',
                'verbose_name_plural': 'document links',
                'indexes': [models.Index(fields=['key', '-published_at'], name='document_link_key_recent')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
