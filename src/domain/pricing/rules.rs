//! Which currency a preview is in, what each price costs in it, and how
//! each is taxed where the customer is. Where Paddle's sources are silent
//! the choice is paddock's, and docs/contract.md marks it *(assumed)*.

use crate::domain::{CountryCode, CurrencyCode, Price, TaxMode, TaxRate, TaxRates};

use super::request::PreviewAddress;
use super::totals::Inclusion;

/// Countries whose prices are shown before tax, sales tax added at the
/// till: a `location` price is taxed on top there, and inside elsewhere
/// (recorded: New York on top, London and Berlin inside).
const TAX_ON_TOP: [&str; 2] = ["US", "CA"];

/// Countries whose tax depends on where in the country the customer is:
/// without a postal code Paddle can't place them, and charges none
/// (recorded for a US address with only its country).
const NEEDS_POSTAL_CODE: [&str; 1] = ["US"];

/// The currency every amount of a preview is in: the one asked for; else,
/// with an address, the currency of the first price (in request order)
/// that has an override for its country; else the first price's own.
pub fn choose_currency(
    prices: &[&Price],
    asked: Option<CurrencyCode>,
    country: Option<CountryCode>,
) -> Option<CurrencyCode> {
    if asked.is_some() {
        return asked;
    }
    let overridden = country.and_then(|country| {
        prices.iter().find_map(|price| {
            (price.unit_price_overrides.iter())
                .find(|o| o.country_codes.contains(&country))
                .map(|o| o.unit_price.currency_code)
        })
    });
    overridden.or_else(|| prices.first().map(|price| price.unit_price.currency_code))
}

/// What one unit of `price` costs in `currency`: its override for the
/// customer's country if that is in `currency`, else its own unit price if
/// that is. `None` otherwise: paddock has no exchange rates to convert with.
pub fn unit_amount(
    price: &Price,
    currency: CurrencyCode,
    country: Option<CountryCode>,
) -> Option<u64> {
    let overridden = country.and_then(|country| {
        (price.unit_price_overrides.iter())
            .find(|o| o.country_codes.contains(&country) && o.unit_price.currency_code == currency)
    });
    match overridden {
        Some(o) => Some(o.unit_price.amount.minor_units()),
        None => (price.unit_price.currency_code == currency)
            .then(|| price.unit_price.amount.minor_units()),
    }
}

/// The rate charged at `address` (none without one, or where it can't be
/// placed).
pub fn tax_rate(rates: &TaxRates, address: Option<&PreviewAddress>) -> TaxRate {
    let Some(address) = address else {
        return TaxRate::ZERO;
    };
    let country = address.country_code;
    let placed = !NEEDS_POSTAL_CODE.contains(&country.as_str())
        || address
            .postal_code
            .as_deref()
            .is_some_and(|code| !code.trim().is_empty());
    match placed {
        true => rates.rate(country),
        false => TaxRate::ZERO,
    }
}

/// Whether a price of `mode` has the tax in it in `country`. An account's
/// setting (`account_setting`) is taken to be "on top", Paddle's default.
pub fn inclusion(mode: TaxMode, country: Option<CountryCode>) -> Inclusion {
    match mode {
        TaxMode::Internal => Inclusion::Inclusive,
        TaxMode::External | TaxMode::AccountSetting => Inclusion::Exclusive,
        TaxMode::Location => match country {
            Some(country) if !TAX_ON_TOP.contains(&country.as_str()) => Inclusion::Inclusive,
            _ => Inclusion::Exclusive,
        },
    }
}
