"""`python -m contingency` started at a given moment (argv[1]) with the clock ticking on from there.

Used only by a time-travelling test run (CONTINGENCY_TEST_TRAVEL, see conftest.py), so that the command
line's subprocesses live on the same day as the tests that start them.
"""

import sys
from datetime import datetime

import time_machine

if __name__ == "__main__":
    moment = datetime.fromisoformat(sys.argv[1])
    time_machine.travel(moment, tick=True).start()
    from contingency.cli import main

    raise SystemExit(main(sys.argv[2:]))
