#!/usr/bin/env python3
"""Checks that every function in include/lfe.h carries the doc sections the ABI promises.

Each exported function's comment must say its ownership rules ("Ownership:"), its errors
("Errors:") and its thread safety ("Thread safety:"). Exits 1 naming each function that lacks one.
"""
import re
import sys

REQUIRED = ("Ownership:", "Errors:", "Thread safety:")


def main(path: str) -> int:
    lines = open(path, encoding="utf-8").read().splitlines()
    missing = []
    count = 0
    comment: list[str] = []
    decl = ""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("//"):
            if decl:
                decl = ""
            comment.append(stripped)
            continue
        if not stripped:
            if not decl:
                comment = []
            continue
        decl += " " + stripped
        if not decl.rstrip().endswith(";") and not decl.rstrip().endswith("{"):
            continue
        m = re.search(r"\b(lfe_\w+)\s*\(", decl)
        if m and "typedef" not in decl and "#define" not in decl and decl.rstrip().endswith(");"):
            count += 1
            text = "\n".join(comment)
            lack = [r for r in REQUIRED if r not in text]
            if lack:
                missing.append(f"{m.group(1)}: missing {', '.join(lack)}")
        decl = ""
        comment = []
    # Every name the header defines is in lfe's namespace: a pub const elsewhere in the crate
    # must not leak into C as a bare macro (mark it `/// cbindgen:ignore`).
    for line in lines:
        m = re.match(r"#define (\w+)", line) or re.match(r"typedef \w+ \w+ (\w+);", line) \
            or re.match(r"typedef struct (\w+) \{", line)
        if m and m.group(1) != "LFE_H" and not m.group(1).lower().startswith("lfe_"):
            missing.append(f"{m.group(1)}: defined outside the lfe_/LFE_ namespace")
    if count == 0:
        print(f"{path}: no functions found", file=sys.stderr)
        return 1
    if missing:
        print("header problems (missing doc sections or names outside the namespace):")
        print("\n".join("  " + m for m in missing))
        return 1
    print(f"header docs: {count} functions, each documents ownership, errors and thread safety")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "include/lfe.h"))
