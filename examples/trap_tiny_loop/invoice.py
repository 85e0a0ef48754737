"""Print a three-line invoice with its subtotal, VAT and total (amounts in integer cents)."""

VAT_PERCENT = 19
LINES = [
    ("USB-C cable", 2, 799),
    ("Keyboard", 1, 4950),
    ("Desk lamp", 3, 1999),
]


def main():
    subtotal = 0
    for description, quantity, unit_cents in LINES:
        amount = quantity * unit_cents
        subtotal += amount
        print(f"{description:<12} {quantity:>2} x {unit_cents / 100:>6.2f} = {amount / 100:>7.2f}")
    vat = (subtotal * VAT_PERCENT + 50) // 100
    print(f"{'subtotal':<27} {subtotal / 100:>7.2f}")
    vat_label = f"VAT {VAT_PERCENT}%"
    print(f"{vat_label:<27} {vat / 100:>7.2f}")
    print(f"{'total':<27} {(subtotal + vat) / 100:>7.2f}")


if __name__ == "__main__":
    main()
