"""Run an external converter once per document and collect what it prints.

The "converter" is a small Python program run with ``sys.executable -c``; it stands for a
command-line tool (pandoc, ffmpeg, a compiler) that spends most of its time starting up and
waiting, here a fixed 0.15 s, before printing one line about its input.
"""

import subprocess
import sys

CONVERTER = """\
import hashlib, sys, time
text = sys.stdin.read()
time.sleep(0.15)
print(len(text.split()), hashlib.sha256(text.encode("utf-8")).hexdigest()[:16])
"""
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"]


def make_document(number):
    """A deterministic document of a few hundred words."""
    return " ".join(WORDS[(number * 7 + i * 3) % len(WORDS)] for i in range(100 + number * 13))


def convert(document):
    """Runs the converter on ``document``; returns its output line. Raises if the tool fails."""
    completed = subprocess.run(
        # -I -S: isolated from the environment and without site-packages (the converter
        # needs only the standard library), which also makes it start several times faster.
        [sys.executable, "-I", "-S", "-c", CONVERTER],
        input=document,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return completed.stdout.strip()


def main():
    documents = [make_document(number) for number in range(20)]
    outputs = []
    for document in documents:
        outputs.append(convert(document))
    for number, output in enumerate(outputs):
        print(f"doc-{number:02d}: {output}")
    print(f"converted: {len(outputs)} documents")


if __name__ == "__main__":
    main()
