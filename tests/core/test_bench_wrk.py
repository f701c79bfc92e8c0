"""`make bench` reads wrk's report and writes its request scripts (bench/run.py)."""

from __future__ import annotations

import pytest

from bench.run import _lua, parse_wrk, wrk_script

# wrk 4.1.0 (Debian) against a server answering 404: every answer counts as an error.
WRK_REPORT = """\
Running 1s test @ http://127.0.0.1:18777/nonexistent
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.83ms    8.35ms  60.52ms   89.04%
    Req/Sec     0.86k   469.80     1.44k    50.00%
  Latency Distribution
     50%    1.18ms
     75%    4.71ms
     90%   14.10ms
     99%   41.67ms
  855 requests in 1.01s, 434.18KB read
  Non-2xx or 3xx responses: 855
Requests/sec:    849.81
Transfer/sec:    431.55KB
"""


def test_the_report_gives_rate_percentiles_and_errors() -> None:
    assert parse_wrk(WRK_REPORT) == {
        "rps": 849.81,
        "p50_ms": 1.18,
        "p99_ms": 41.67,
        "errors": 855,
    }


def test_seconds_microseconds_and_socket_errors_are_read() -> None:
    report = (
        WRK_REPORT.replace("50%    1.18ms", "50%  812.00us")
        .replace("99%   41.67ms", "99%    1.20s")
        .replace("  Non-2xx or 3xx responses: 855\n", "")
        .replace(
            "Requests/sec:", "  Socket errors: connect 0, read 2, write 0, timeout 1\nRequests/sec:"
        )
    )
    assert parse_wrk(report) == {"rps": 849.81, "p50_ms": 0.812, "p99_ms": 1200.0, "errors": 3}


def test_an_unexpected_report_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not understood"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_lua_strings_escape_quotes_backslashes_and_non_ascii() -> None:
    assert _lua('Collège "A"\\') == '"Coll\\195\\168ge \\034A\\034\\092"'


def test_the_script_cycles_through_the_requests_with_their_bodies() -> None:
    script = wrk_script(lambda i: ("POST", f"/api/v1/bookings/?n={i % 2}", b'{"a": 1}'))
    assert script.count("wrk.format(") == 200
    assert '"/api/v1/bookings/?n=1"' in script
    assert '["Content-Type"] = "application/json"' in script
    assert '"{\\034a\\034: 1}"' in script
    assert "n = n % #requests + 1" in script
