def test_new_register_has_schema(register):
    from db import repository

    with register.session() as session:
        assert repository.counts(session) == {
            "stakeholder": 0,
            "partnership": 0,
            "risk": 0,
            "event": 0,
            "action": 0,
        }
