"""Each kind of work has its own Celery queue, and a task sent goes to its queue once: through
kombu's filesystem transport (the embedded default) and through Redis."""

import uuid

import pytest
from celery import Celery
from django.conf import settings

EXPECTED = {
    "trending.tasks.trending_refresh_task": "rail",
    "trending.tasks.view_counts_flush_task": "rail",
    "core.tasks.outbox_relay_task": "outbox",
    "distribution.tasks.purge_flush_task": "outbox",
    "distribution.tasks.webhooks_deliver_task": "outbox",
    "media.tasks.renditions_generate_task": "renditions",
    "articles.tasks.revisions_prune_task": "maintenance",
    "media.tasks.images_sweep_expired_task": "maintenance",
    "articles.tasks.publish_due_task": "default",
}


def test_every_task_of_ours_is_on_a_known_queue():
    from portal.celery import app

    app.loader.import_default_modules()
    queues = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    ours = [
        name
        for name in app.tasks
        if name.split(".")[0] in {"core", "media", "articles", "trending", "distribution", "search", "portal"}
    ]
    routed = {name: app.amqp.router.route({}, name, args=(), kwargs={})["queue"].name for name in ours}

    assert set(routed.values()) <= queues and len(ours) >= 15
    assert {name: routed[name] for name in EXPECTED} == EXPECTED


@pytest.fixture(params=["filesystem", "redis"])
def broker(request, tmp_path):
    if request.param == "filesystem":
        folder = tmp_path / "broker"
        folder.mkdir()
        options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False}
        return "filesystem://", options, "core.broker:Transport"  # the embedded broker's transport
    url = request.getfixturevalue("redis_url")
    return url, {"global_keyprefix": f"test-queues-{uuid.uuid4().hex[:8]}:"}, None


def test_a_task_sent_lands_once_on_its_own_queue(broker):
    url, options, transport = broker
    app = Celery(f"queues-test-{uuid.uuid4().hex[:6]}", set_as_current=False)
    app.conf.update(
        broker_url=url,
        broker_transport_options=options,
        broker_transport=transport,
        task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        task_queues=settings.CELERY_TASK_QUEUES,
        task_routes=settings.CELERY_TASK_ROUTES,
    )
    # The URL given outright: Celery prefers a CELERY_BROKER_URL in the environment to its conf.
    with app.connection_for_write(url) as connection, connection.channel() as channel:
        for queue in app.amqp.queues.values():  # as the workers declare them when they start
            queue(channel).declare()
    with app.connection_for_write(url) as connection:
        producer = app.amqp.Producer(connection)
        for name in EXPECTED:
            app.send_task(name, producer=producer)

    landed: dict[str, list[str]] = {}
    with app.connection_for_read(url) as connection, connection.channel() as channel:
        for queue in app.amqp.queues.values():
            bound = queue(channel)
            while (message := bound.get(no_ack=True)) is not None:
                landed.setdefault(queue.name, []).append(message.headers["task"])

    expected: dict[str, list[str]] = {}
    for name, queue in EXPECTED.items():
        expected.setdefault(queue, []).append(name)
    assert {q: sorted(names) for q, names in landed.items()} == {q: sorted(n) for q, n in expected.items()}
