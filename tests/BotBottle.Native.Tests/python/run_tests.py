"""Runs the Python suite and prints its counts for build/test.sh's closing totals line.

    python3 run_tests.py        # exit 0 when every test passed
"""
import os
import sys
import unittest

suite = unittest.defaultTestLoader.discover(os.path.dirname(os.path.abspath(__file__)), pattern="test_*.py")
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
for test, reason in result.skipped:
    print(f"skipped: {test.id()}: {reason}")
passed = result.testsRun - failed - len(result.skipped)
print(f"PYTHON_TOTALS passed={passed} failed={failed} skipped={len(result.skipped)}")
sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)
