//! `formatted_*` amounts, as a price preview shows them: `$6,000.00`,
//! `¥725`. Paddle's own examples show only dollars and yen; every currency
//! is written as a browser's `Intl.NumberFormat("en-US", {style:
//! "currency"})` writes it (its symbol, or its code and a no-break space),
//! with the currency's own number of decimals.

use super::totals::Minor;
use crate::domain::CurrencyCode;

/// What goes before the number: the symbol en-US uses, or the code.
fn prefix(currency: CurrencyCode) -> &'static str {
    use CurrencyCode::*;
    match currency {
        Usd => "$",
        Eur => "€",
        Gbp => "£",
        Jpy => "¥",
        Aud => "A$",
        Cad => "CA$",
        Hkd => "HK$",
        Brl => "R$",
        Cny => "CN¥",
        Ils => "₪",
        Inr => "₹",
        Krw => "₩",
        Mxn => "MX$",
        Nzd => "NZ$",
        Twd => "NT$",
        Vnd => "₫",
        Chf => "CHF\u{a0}",
        Sgd => "SGD\u{a0}",
        Sek => "SEK\u{a0}",
        Ars => "ARS\u{a0}",
        Clp => "CLP\u{a0}",
        Cop => "COP\u{a0}",
        Czk => "CZK\u{a0}",
        Dkk => "DKK\u{a0}",
        Huf => "HUF\u{a0}",
        Nok => "NOK\u{a0}",
        Pen => "PEN\u{a0}",
        Pln => "PLN\u{a0}",
        Rub => "RUB\u{a0}",
        Thb => "THB\u{a0}",
        Try => "TRY\u{a0}",
        Uah => "UAH\u{a0}",
        Zar => "ZAR\u{a0}",
    }
}

/// `amount` (in the lowest unit) as a customer reads it: `$1,234.50`.
pub fn format_money(amount: Minor, currency: CurrencyCode) -> String {
    let places = currency.decimal_places();
    let unit = 10u128.pow(places);
    let (whole, fraction) = (amount.0 / unit, amount.0 % unit);
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match places {
        0 => format!("{}{grouped}", prefix(currency)),
        _ => format!(
            "{}{grouped}.{fraction:0width$}",
            prefix(currency),
            width = places as usize
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn writes_paddles_examples() {
        let usd = |amount| format_money(Minor(amount), CurrencyCode::Usd);
        assert_eq!(usd(600_000), "$6,000.00");
        assert_eq!(usd(540_000), "$5,400.00");
        assert_eq!(usd(0), "$0.00");
        assert_eq!(usd(1990), "$19.90");
        assert_eq!(usd(44), "$0.44");
        assert_eq!(usd(5), "$0.05");
        assert_eq!(usd(123_456_789_012), "$1,234,567,890.12");
        let jpy = |amount| format_money(Minor(amount), CurrencyCode::Jpy);
        assert_eq!(jpy(725), "¥725");
        assert_eq!(jpy(1200), "¥1,200");
        assert_eq!(jpy(0), "¥0");
    }

    #[test]
    fn every_currency_has_its_decimals_and_a_prefix() {
        for &currency in CurrencyCode::VARIANTS {
            let text = format_money(Minor(123_456), currency);
            let expected = match currency.decimal_places() {
                0 => "123,456",
                _ => "1,234.56",
            };
            assert!(text.ends_with(expected), "{currency}: {text}");
            assert!(!prefix(currency).is_empty());
        }
        assert_eq!(format_money(Minor(100_000), CurrencyCode::Krw), "₩100,000");
        assert_eq!(
            format_money(Minor(1_000), CurrencyCode::Clp),
            "CLP\u{a0}1,000"
        );
        assert_eq!(format_money(Minor(1_000), CurrencyCode::Vnd), "₫1,000");
        assert_eq!(format_money(Minor(1_050), CurrencyCode::Eur), "€10.50");
        assert_eq!(
            format_money(Minor(1_050), CurrencyCode::Chf),
            "CHF\u{a0}10.50"
        );
    }
}
