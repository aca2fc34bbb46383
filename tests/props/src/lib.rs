//! Property tests of ntpkit live in `tests/`; this library is empty.
