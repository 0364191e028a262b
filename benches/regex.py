"""Regular expressions: compile, findall, sub, match over generated log lines.

Usage: regex.py [LINES]   (default 20000). Prints only the checksum line.
"""
import re
import sys

LINE = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\w+) \[(\w+)\] (.*)$")
NUM = re.compile(r"\b\d+\b")
WORD = re.compile(r"[A-Za-z]+")
EMAIL = re.compile(r"[\w.]+@[\w]+\.(?:com|org|net)")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    levels = ["INFO", "WARN", "ERROR", "DEBUG"]
    acc = 0
    for i in range(n):
        line = "2024-%02d-%02d host%d [%s] user%d@example.%s sent %d bytes in %d ms" % (
            i % 12 + 1, i % 28 + 1, i % 7, levels[i % 4], i, ["com", "org", "net"][i % 3], i * 17 % 9973, i % 500)
        m = LINE.match(line)
        if m:
            acc += int(m.group(2)) + len(m.group(5))
            rest = m.group(6)
            acc += sum(int(x) for x in NUM.findall(rest)) % 100003
            acc += len(WORD.findall(rest))
            acc += len(EMAIL.findall(rest))
            acc += len(NUM.sub("#", rest))
    print("checksum", acc)


main()
