#!/usr/bin/env python3
"""Parses an iCalendar stream (stdin) with the `icalendar` package and prints its events as JSON.

Fails (exit 1) on anything RFC 5545 requires that is missing or unreadable: VERSION and PRODID on
the calendar; UID, DTSTAMP and DTSTART on each event; parse errors recorded on any component;
lines longer than 75 octets or not ended by CRLF.
"""
import json
import sys

import icalendar

raw = sys.stdin.buffer.read()
problems = []
for number, line in enumerate(raw.split(b"\r\n")[:-1], start=1):
    if len(line) > 75:
        problems.append(f"line {number} is {len(line)} octets long")
    if b"\n" in line or b"\r" in line:
        problems.append(f"line {number} is not ended by CRLF")
if not raw.endswith(b"\r\n"):
    problems.append("the stream does not end with CRLF")

calendar = icalendar.Calendar.from_ical(raw)
for key in ("VERSION", "PRODID"):
    if key not in calendar:
        problems.append(f"the calendar has no {key}")
events = []
for component in calendar.walk():
    if getattr(component, "errors", None):
        problems.append(f"{component.name}: {component.errors}")
    if component.name != "VEVENT":
        continue
    for key in ("UID", "DTSTAMP", "DTSTART"):
        if key not in component:
            problems.append(f"an event has no {key}")
    events.append({
        "uid": str(component.get("UID")),
        "sequence": int(component.get("SEQUENCE", 0)),
        "status": str(component.get("STATUS", "")),
        "summary": str(component.get("SUMMARY", "")),
        "start": component.decoded("DTSTART").isoformat(),
        "end": component.decoded("DTEND").isoformat() if "DTEND" in component else None,
    })
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(json.dumps({"method": str(calendar.get("METHOD", "")), "events": events}))
