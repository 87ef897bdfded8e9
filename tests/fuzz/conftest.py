"""Print what the fuzzing did: operations, requests sent, server errors."""


def pytest_terminal_summary(terminalreporter):
    from tests.fuzz.test_schema_fuzz import COUNTS

    if COUNTS["requests"]:
        terminalreporter.write_line(
            f"schemathesis: {len(COUNTS['operations'])} operations, {COUNTS['requests']} requests"
            f" (every role), {COUNTS['server_errors']} server errors"
        )
