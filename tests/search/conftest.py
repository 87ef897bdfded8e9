"""Search tests' helpers (`write`, which makes articles through the services, is shared)."""


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.content
    return [item["id"] for item in answer.json()["results"]]
