from tests.workflow.conftest import actor, open_record, reach, records  # noqa: F401
