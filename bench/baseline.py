#!/usr/bin/env python3
"""A straightforward Python version of `v6map generate`, the benchmark's peer.

It does what a careful user's script would: read the CSV with the csv module,
validate each address with ipaddress, check the Qualys mapping range, find
duplicate V4 and V6 addresses with sets, and write the upload file in the
layout of Qualys's sample.

Usage: baseline.py INVENTORY.csv OUTPUT.xml
"""
import csv
import ipaddress
import sys

RANGE_FIRST = ipaddress.IPv4Address("0.0.0.1")
RANGE_LAST = ipaddress.IPv4Address("0.254.255.255")


def main() -> int:
    source, target = sys.argv[1], sys.argv[2]
    errors = []
    records = []
    seen_v4, seen_v6 = set(), set()
    with open(source, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for line, row in enumerate(reader, start=2):
            try:
                v4 = ipaddress.IPv4Address(row["ipv4"].strip())
                v6 = ipaddress.IPv6Address(row["ipv6"].strip())
            except (ipaddress.AddressValueError, KeyError, AttributeError) as error:
                errors.append(f"line {line}: {error}")
                continue
            if not RANGE_FIRST <= v4 <= RANGE_LAST:
                errors.append(f"line {line}: {v4} is outside the mapping range")
                continue
            if v6.is_loopback or v6.is_unspecified or v6.is_multicast or v6.ipv4_mapped:
                errors.append(f"line {line}: {v6} is a special-use address")
                continue
            if v4 in seen_v4:
                errors.append(f"line {line}: duplicate IPv4 {v4}")
            if v6 in seen_v6:
                errors.append(f"line {line}: duplicate IPv6 {v6}")
            seen_v4.add(v4)
            seen_v6.add(v6)
            records.append((v4, v6))
    if errors:
        for error in errors[:20]:
            print(error, file=sys.stderr)
        return 1
    with open(target, "w", newline="\n") as out:
        out.write("action=add&xml_data=\n<IP_MAP_LIST>\n")
        for v4, v6 in records:
            out.write(f"<IP_MAP>\n<V4>{v4}</V4>\n<V6>{v6.compressed}</V6>\n</IP_MAP>\n")
        out.write("</IP_MAP_LIST>\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
