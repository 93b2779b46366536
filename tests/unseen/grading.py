"""What every unseen answer's test asserts (tests/unseen/test_labNN_unseen.py).

The answers in these files were written by someone who had not read the labs'
recorded answers; each test checks the verdict a teacher would give, and that a
rejection explains itself.
"""

from __future__ import annotations


def assert_graded(q, answer, expected: str, says=()) -> None:
    """``q.check(answer)`` has one of the statuses ``expected`` names ("correct",
    "incorrect", or "incorrect|blank": either scores zero), and anything but "correct"
    explains itself in words: not the checker's traceback, not "Checking your answer
    raised", at least five words, and one of ``says`` (a phrase or a tuple of phrases,
    any case) when given."""
    result = q.check(answer)
    assert result.status in expected.split("|"), (
        f"{q.name}: expected {expected}, got {result.text}")
    if result.status == "correct":
        return
    message = result.message
    assert "Traceback" not in message and 'File "' not in message, message
    assert "Checking your answer raised" not in message, message
    assert len(message.split()) >= 5, f"too terse to help: {message!r}"
    says = (says,) if isinstance(says, str) else tuple(says or ())
    if says:
        assert any(s.lower() in message.lower() for s in says), message
