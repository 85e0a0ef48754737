"""Download a batch of pages and write a keyword and readability report for each.

The pages come from a local HTTP server with a fixed latency per response
(../_support/slow_server.py), started here on a background thread, unless the environment
variable CONCUR_EXAMPLE_SERVER gives the base URL of one that is already running. The server's
bodies are bytes derived from the path; each byte reads as a letter or, about one time in six,
a space, so a page is some 16,000 "words" of text. The analysis is a hand-written tokeniser, a
suffix stemmer, word and word-pair counts and a syllable count, all in pure Python.
"""

import contextlib
import os
import sys
import urllib.request
from collections import Counter

PAGE_COUNT = 36
PAGE_BYTES = 96 * 1024
TIMEOUT_SECONDS = 10
LETTERS = b"etaoinshrdlucmfwypvbgkjqxz"
# Byte -> letter, or a space for one byte value in six.
TO_TEXT = bytes(LETTERS[b % len(LETTERS)] if b % 6 else 32 for b in range(256))
SUFFIXES = ("ing", "ion", "ed", "es", "er", "ly", "s")
VOWELS = frozenset("aeiouy")


def fetch(url):
    """The body of ``url``; raises on HTTP errors and timeouts."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        return response.read()


def tokenise(text):
    """The words of two letters or more, in order."""
    words = []
    current = []
    for char in text:
        if char == " ":
            if len(current) > 1:
                words.append("".join(current))
            current = []
        else:
            current.append(char)
    if len(current) > 1:
        words.append("".join(current))
    return words


def stem(word):
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def syllables(word):
    count = 0
    previous = False
    for char in word:
        vowel = char in VOWELS
        if vowel and not previous:
            count += 1
        previous = vowel
    return max(count, 1)


def analyse(body):
    """Word count, distinct stems, the most frequent stem and pair, syllables per word."""
    text = body.translate(TO_TEXT).decode("ascii")
    words = [stem(word) for word in tokenise(text)]
    counts = Counter(words)
    pairs = Counter(zip(words, words[1:]))
    top_word, top_count = max(counts.items(), key=lambda item: (item[1], item[0]))
    top_pair, pair_count = max(pairs.items(), key=lambda item: (item[1], item[0]))
    per_word = sum(syllables(word) for word in words) / max(len(words), 1)
    return len(words), len(counts), f"{top_word} x{top_count}", f"{' '.join(top_pair)} x{pair_count}", round(per_word, 3)


def page_server():
    """A context manager that yields the base URL of the page server."""
    base_url = os.environ.get("CONCUR_EXAMPLE_SERVER")
    if base_url:
        return contextlib.nullcontext(base_url.rstrip("/"))
    support = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "_support")
    sys.path.insert(0, os.path.normpath(support))
    from slow_server import serve_in_background

    return serve_in_background()


def main():
    with page_server() as base_url:
        names = [f"pages/{number:03d}.html" for number in range(PAGE_COUNT)]
        total_words = 0
        for name in names:
            body = fetch(f"{base_url}/{name}?size={PAGE_BYTES}")
            words, distinct, top_word, top_pair, per_word = analyse(body)
            total_words += words
            print(name, words, distinct, top_word, top_pair, per_word)
    print(f"total: {len(names)} pages, {total_words} words")


if __name__ == "__main__":
    main()
