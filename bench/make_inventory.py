#!/usr/bin/env python3
"""Write a benchmark inventory of N unique mapping rows as CSV.

V4 addresses count up from 0.0.0.1 through Qualys's mapping range. V6
addresses lie in 2001:470::/32 with the row index in bits 64-95, so no two
rows share an address and none is in a documentation or special-use prefix.

Usage: make_inventory.py ROWS OUTPUT.csv
"""
import ipaddress
import random
import sys


def main() -> None:
    rows, path = int(sys.argv[1]), sys.argv[2]
    if not 0 < rows <= 16_711_679:
        sys.exit("ROWS must be between 1 and 16,711,679, the size of the mapping range")
    rng = random.Random(6)
    base = int(ipaddress.IPv6Address("2001:470::"))
    with open(path, "w", newline="") as out:
        out.write("ipv4,ipv6\n")
        for index in range(1, rows + 1):
            v4 = ipaddress.IPv4Address(index)
            # Index in the high bits keeps V6 unique; random low bits vary the text.
            v6 = ipaddress.IPv6Address(base | (index << 64) | rng.getrandbits(32))
            out.write(f"{v4},{v6}\n")


if __name__ == "__main__":
    main()
