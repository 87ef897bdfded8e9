"""Demo newsroom content written for Portal: sections, outlets, people, articles.

The text is assembled from fragments written here, shaped like the seed page
(a syndicated piece with a byline, a dozen paragraphs, a few headings and
quotes); it reads like news but describes nothing real.
"""

import random
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from articles import services
from articles.models import Article, Author, Block, Byline, Outlet, Revision, Section, Tag
from articles.services import BlockInput, summary_from_blocks
from articles.text import slug_from_title
from core import roles
from core.sql import analyze
from trending import services as trending_services

from .demo_photos import PLACES, demo_photos

SECTIONS = [
    ("国际", "world"),
    ("国内", "china"),
    ("财经", "finance"),
    ("科技", "tech"),
    ("体育", "sports"),
    ("文化", "culture"),
]
OUTLETS = [
    ("观察者网", "guancha", "https://www.guancha.cn/"),
    ("澎湃新闻", "thepaper", "https://www.thepaper.cn/"),
    ("新华社", "xinhua", "https://www.news.cn/"),
    ("本站", "portal", ""),
]
AUTHORS = [
    ("林晓舟", "观察者网"),
    ("周若岚", "观察者网"),
    ("陈牧野", "澎湃新闻"),
    ("苏青禾", "澎湃新闻"),
    ("王立言", "新华社"),
    ("赵知远", "新华社"),
    ("何一鸣", "本站"),
    ("许清欢", "本站"),
    ("沈书白", "本站"),
    ("顾南星", "本站"),
    ("梁启航", "观察者网"),
    ("韩静秋", "本站"),
]
TAGS = [
    "外交",
    "能源",
    "气候",
    "选举",
    "人工智能",
    "芯片",
    "新能源汽车",
    "股市",
    "楼市",
    "足球",
    "马拉松",
    "博物馆",
    "电影",
    "教育",
    "医疗",
    "交通",
    "天气",
    "航天",
]

ACTORS = [
    "该国外交部",
    "市气象台",
    "行业协会",
    "交通运输部门",
    "当地议会",
    "一家新能源车企",
    "国家统计部门",
    "省博物馆",
    "市教育局",
    "航天科研团队",
    "中央银行",
    "足球俱乐部",
]
EVENTS = [
    "发布年度报告",
    "宣布新一轮合作计划",
    "举行新闻发布会",
    "启动应急响应",
    "公布最新数据",
    "签署谅解备忘录",
    "召开专题会议",
    "推出便民服务",
    "完成阶段性测试",
    "调整相关政策",
]
TOPICS = [
    "能源供应",
    "极端天气",
    "跨境物流",
    "数字身份",
    "电池回收",
    "公共交通",
    "文物保护",
    "青少年体育",
    "芯片产能",
    "医保比价",
    "森林覆盖",
    "城市更新",
]

HEADINGS = ["背景", "各方反应", "数据解读", "下一步安排", "专家观点"]
QUOTES = [
    "我们会把每一项承诺落到实处。",
    "数据的变化说明政策正在起效。",
    "这不是终点，而是新的起点。",
    "公众的关切就是我们工作的方向。",
]
SPEAKERS = ["一位发言人", "项目负责人", "受访专家", "当地居民"]


def _paragraph(rng: random.Random) -> str:
    place, actor, event, topic = rng.choice(PLACES), rng.choice(ACTORS), rng.choice(EVENTS), rng.choice(TOPICS)
    day = rng.randint(1, 28)
    forms = [
        f"当地时间{day}日，{place}{actor}{event}，围绕{topic}作出一系列安排。据介绍，相关措施将在未来数月内分步实施，"
        f"并将根据实际效果及时调整。",
        f"据{actor}介绍，{topic}问题近年来受到持续关注。{place}方面表示，将在保障安全的前提下推进相关工作，"
        f"同时加强与各方的沟通协调。",
        f"分析人士指出，此次{event.replace('发布', '')}是在{topic}形势出现新变化的背景下进行的，"
        f"其后续影响仍有待观察。<b>多家机构</b>已就此发布评估报告。",
        f"记者从{actor}获悉，截至{day}日，{place}已累计完成{rng.randint(12, 980)}项相关任务，"
        f"覆盖人口超过{rng.randint(2, 90)}万。",
        f"有评论认为，{topic}牵动民生，{actor}此举释放出积极信号。也有声音提醒，政策落地还需细化配套措施，"
        f"避免“一刀切”。",
    ]
    return rng.choice(forms)


def _title(rng: random.Random) -> str:
    place, actor, event, topic = rng.choice(PLACES), rng.choice(ACTORS), rng.choice(EVENTS), rng.choice(TOPICS)
    forms = [
        f"{place}{actor}{event}，聚焦{topic}",
        f"“{topic}”再成焦点：{place}{event}",
        f"{actor}：{topic}相关工作将提速",
        f"{place}{event} 涉及{topic}等{rng.randint(3, 12)}个领域",
        f"关乎{topic}！{actor}{event}",
    ]
    return rng.choice(forms)


def _body(rng: random.Random, photos: list | None = None) -> list[BlockInput]:
    blocks = [BlockInput("paragraph", _paragraph(rng)) for _ in range(rng.randint(3, 5))]
    if photos and rng.random() < 0.6:
        blocks.insert(2, BlockInput("image", "", image=rng.choice(photos)))
    blocks.append(BlockInput("heading", rng.choice(HEADINGS)))
    blocks += [BlockInput("paragraph", _paragraph(rng)) for _ in range(rng.randint(2, 4))]
    blocks.append(BlockInput("quote", rng.choice(QUOTES), rng.choice(SPEAKERS)))
    blocks += [BlockInput("paragraph", _paragraph(rng)) for _ in range(rng.randint(2, 5))]
    return blocks


DEMO_ACCOUNTS = [
    ("admin", "portal-admin", None, True),
    ("editor", "portal-editor", roles.EDITOR, False),
    ("writer", "portal-writer", roles.WRITER, False),
    ("photo", "portal-photo", roles.PHOTO_EDITOR, False),
]


def demo_accounts() -> list[tuple[str, str | None, str]]:
    """Make the demo logins that do not exist; returns (username, password, role), the password
    None for an account that existed, which is left exactly as it was."""
    User = get_user_model()
    made = []
    for username, password, role, superuser in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_password(password)
            user.is_superuser = superuser
            user.save()
            if role:
                user.groups.add(Group.objects.get(name=role))
        made.append((username, password if created else None, role or "superuser"))
    return made


PER_DAY = 300  # articles a day at a national site


# Articles made and written a chunk at a time: a million never sit in memory at once.
CHUNK = 2000


def load(*, articles: int = 64, seed: int = 2024, progress: Callable[[int, int], None] | None = None) -> int:
    """Create taxonomy and `articles` articles; returns how many were made.

    Rows are bulk-inserted for speed (thousands for benchmarks), a chunk at a time, each chunk in
    a transaction of its own; derived fields come from the same pure functions the services use.
    `progress(done, total)` after each chunk.
    """
    rng = random.Random(seed)
    with transaction.atomic():
        sections = [
            Section.objects.get_or_create(slug=slug, defaults={"name": name, "order": i})[0]
            for i, (name, slug) in enumerate(SECTIONS)
        ]
        outlets = {
            name: Outlet.objects.get_or_create(slug=slug, defaults={"name": name, "url": url})[0]
            for name, slug, url in OUTLETS
        }
        authors = [
            Author.objects.get_or_create(
                slug=slug_from_title(name),
                defaults={
                    "name": name,
                    "affiliation": outlets[outlet],
                    "bio": f"{outlet}记者，关注{rng.choice(TOPICS)}。",
                },
            )[0]
            for name, outlet in AUTHORS
        ]
        tags = [Tag.objects.get_or_create(slug=slug_from_title(name), defaults={"name": name})[0] for name in TAGS]
    editor = get_user_model().objects.filter(username="editor").first()
    photographer = get_user_model().objects.filter(username="photo").first() or editor
    photos = demo_photos(by=photographer) if photographer is not None else []

    now = timezone.now()
    # Spread over six days, or over as many days as a national site needs for this many at 300
    # a day: an archive's dates, not a hundred thousand articles in one week.
    span = max(6 * 24 * 60, articles * 24 * 60 // PER_DAY)
    taken = set(Article.objects.values_list("slug", flat=True))
    made = 0
    for start in range(0, articles, CHUNK):
        indexes = range(start, min(start + CHUNK, articles))
        with transaction.atomic():
            made += _load_chunk(indexes, rng, taken, span, now, sections, outlets, authors, tags, editor, photos)
        if progress is not None:
            progress(made, articles)
    # Statistics for what was bulk-loaded, as autovacuum would give later: a plan made on the empty
    # tables' statistics sorted every article for the desk's first page.
    analyze([Article, Article.tags.through, Byline, Block, Revision])
    return made


def _load_chunk(indexes, rng, taken, span, now, sections, outlets, authors, tags, editor, photos) -> int:
    rows, bodies = [], []
    for index in indexes:
        title = _title(rng)
        slug = base = slug_from_title(title)
        number = 2
        while slug in taken:
            slug = f"{base[:95]}-{number}"
            number += 1
        taken.add(slug)
        body = _body(rng, photos)
        published_at = now - timedelta(minutes=rng.randint(5, span))
        draft = index % 16 == 15  # a few drafts so the desk has work in progress
        source = rng.choice(list(outlets.values()))
        rows.append(
            Article(
                title=title,
                slug=slug,
                derived_summary=summary_from_blocks(body),
                section=rng.choice(sections),
                source=None if source.slug == "portal" else source,
                original_url="" if source.slug == "portal" or not source.url else f"{source.url}news/{index + 1000}",
                status=Article.Status.DRAFT if draft else Article.Status.PUBLISHED,
                published_at=None if draft else published_at,
                first_published_at=None if draft else published_at,
                created_at=published_at - timedelta(hours=1),
                updated_at=published_at,
                created_by=editor,
                updated_by=editor,
                view_count=rng.randint(0, 50000),
                lead_image=rng.choice(photos) if photos and rng.random() < 0.5 else None,
            )
        )
        bodies.append(body)
    created = Article.objects.bulk_create(rows, batch_size=500)
    if not created or created[0].pk is None:  # backends without RETURNING
        created = list(Article.objects.order_by("-id")[: len(rows)])[::-1]

    bylines, blocks, tag_links = [], [], []
    through = Article.tags.through
    for article, body in zip(created, bodies, strict=True):
        writer = rng.choice(authors)
        bylines.append(Byline(article=article, author=writer, role="文", position=0))
        if rng.random() < 0.4:
            other = rng.choice([a for a in authors if a != writer])
            bylines.append(Byline(article=article, author=other, role=rng.choice(["编辑", "摄影", "记者"]), position=1))
        blocks += [
            Block(article=article, position=i, type=b.type, text=b.text, attribution=b.attribution, image=b.image)
            for i, b in enumerate(body)
        ]
        tag_links += [through(article=article, tag=tag) for tag in rng.sample(tags, rng.randint(1, 3))]
    Byline.objects.bulk_create(bylines, batch_size=1000)
    Block.objects.bulk_create(blocks, batch_size=1000)
    through.objects.bulk_create(tag_links, batch_size=1000)
    services.revision_baseline(article_ids=[a.pk for a in created], by=editor)
    return len(created)


def demo_readers(*, readers: int = 400, seed: int = 11) -> int:
    """Simulated readers viewing recent articles (a few very popular), then a rail refresh."""

    rng = random.Random(seed)
    trending_services.eligibility_sync(force=True)
    recent = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("-published_at")
        .values_list("id", flat=True)[:60]
    )
    if not recent:
        return 0
    agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
    counted = 0
    for reader in range(readers):
        picks = {recent[min(int(rng.paretovariate(1.2)) - 1, len(recent) - 1)] for _ in range(rng.randint(1, 6))}
        events = [{"article": article, "visitor": f"demo-reader-{reader}"} for article in picks]
        if rng.random() < 0.1:
            events.append({"article": next(iter(picks)), "type": "share", "visitor": f"demo-reader-{reader}"})
        # Each demo reader at an address of their own (IPv6 documentation range), as real readers are.
        address = f"2001:db8::{reader + 1:x}"
        tally = trending_services.events_record(events=events, address=address, user_agent=agent, cookie=None)
        counted += tally["accepted"]
    trending_services.trending_refresh()
    return counted


def demo_workflow() -> int:
    """A few articles with a life through the services: edits, review, schedules; returns how many."""
    users = get_user_model().objects
    editor, writer = users.filter(username="editor").first(), users.filter(username="writer").first()
    # The site's own accounts of those names (left as they were) may hold other roles.
    if editor is None or writer is None or not (roles.is_editor(editor) and roles.is_writer(writer)):
        return 0
    section = Section.objects.order_by("order").first()
    draft = services.article_create(
        by=writer,
        title="暴雪过后 济南城区主干道恢复通行",
        section=section,
        body=[BlockInput(type="paragraph", text="受强冷空气影响，济南昨夜普降大雪。")],
    )
    services.article_update(
        article_id=draft.pk,
        by=writer,
        expected_version=draft.version,
        data={
            "title": "暴雪过后 济南城区主干道全部恢复通行",
            "body": [
                BlockInput(type="paragraph", text="受强冷空气影响，济南昨夜普降大雪，积雪最深处达12厘米。"),
                BlockInput(type="paragraph", text="今晨6时起，环卫工人对主干道进行了清扫。"),
            ],
        },
    )
    services.article_submit(article_id=draft.pk, by=writer)
    now = timezone.now().replace(microsecond=0)
    for title, hours in (("明日早高峰出行提示：多条公交线路调整", 2), ("周末天气展望：气温回升 雨雪停歇", 26)):
        article = services.article_create(
            by=editor,
            title=title,
            section=section,
            body=[BlockInput(type="paragraph", text=f"{title}。详细内容以发布时为准。")],
        )
        services.article_schedule(article_id=article.pk, by=editor, at=now + timedelta(hours=hours))
    return 3
