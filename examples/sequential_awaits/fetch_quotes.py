"""Fetch a price quote for each of 40 ticker symbols from a (simulated) async API, one at a time.

``fetch_quote`` stands for an async HTTP client call: it waits ``API_LATENCY`` seconds on the
event loop and returns a price derived only from the symbol, so every run prints the same.
"""

import asyncio
import hashlib

API_LATENCY = 0.05
SYMBOLS = [
    "AAPL", "ABNB", "ADBE", "AMD", "AMZN", "ASML", "AVGO", "BKNG", "CMCSA", "COST",
    "CRM", "CSCO", "DIS", "GOOG", "IBM", "INTC", "INTU", "JNJ", "JPM", "KO",
    "LIN", "MA", "MCD", "META", "MRK", "MSFT", "NFLX", "NKE", "NVDA", "ORCL",
    "PEP", "PFE", "PG", "QCOM", "SAP", "SBUX", "TSLA", "TXN", "UNH", "V",
]


async def fetch_quote(symbol):
    """The quote for ``symbol`` as (symbol, price in cents), after the API's latency."""
    await asyncio.sleep(API_LATENCY)
    seed = int.from_bytes(hashlib.sha256(symbol.encode("ascii")).digest()[:4], "big")
    return symbol, 1_000 + seed % 90_000


async def main():
    quotes = []
    for symbol in SYMBOLS:
        quote = await fetch_quote(symbol)
        quotes.append(quote)
    for symbol, cents in quotes:
        print(f"{symbol:<6} {cents // 100:>4}.{cents % 100:02d}")
    total = sum(cents for _, cents in quotes)
    print(f"total: {len(quotes)} quotes, {total // 100}.{total % 100:02d}")


if __name__ == "__main__":
    asyncio.run(main())
