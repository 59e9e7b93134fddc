//! The arithmetic of a preview: amounts in a currency's lowest unit, as
//! 128-bit integers (an amount under a trillion times a quantity under a
//! billion times a rate in millionths stays far inside), never floating
//! point. Tax is rounded half up, once per unit and once per line.

use serde::{Serialize, Serializer};

use crate::domain::TaxRate;

const MILLION: u128 = 1_000_000;

/// An amount in a currency's lowest unit, written as Paddle writes it: a
/// string of digits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Minor(pub u128);

impl Serialize for Minor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl std::ops::Add for Minor {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

/// Whether a price's amount has the tax in it or gets it on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inclusion {
    /// Tax is added on top: 500 at 8.875% is 500 + 44.
    Exclusive,
    /// Tax is in the price, taken out: 500 at 20% is 417 + 83.
    Inclusive,
}

/// The totals of an amount: before tax, the discount, the tax, and what is
/// charged. paddock has no discounts yet, so `discount` is always zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Minor,
    pub discount: Minor,
    pub tax: Minor,
    pub total: Minor,
}

impl Totals {
    /// `amount` taxed at `rate`, the tax rounded half up to the lowest unit.
    pub fn of(amount: u128, rate: TaxRate, inclusion: Inclusion) -> Self {
        let ppm = u128::from(rate.ppm());
        let (subtotal, tax) = match inclusion {
            Inclusion::Exclusive => (amount, divide_half_up(amount * ppm, MILLION)),
            Inclusion::Inclusive => {
                let tax = divide_half_up(amount * ppm, MILLION + ppm);
                (amount - tax, tax)
            }
        };
        Self {
            subtotal: Minor(subtotal),
            discount: Minor(0),
            tax: Minor(tax),
            total: Minor(subtotal + tax),
        }
    }

    /// Nothing charged (a trial).
    pub const ZERO: Self = Self {
        subtotal: Minor(0),
        discount: Minor(0),
        tax: Minor(0),
        total: Minor(0),
    };
}

impl std::ops::Add for Totals {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            subtotal: self.subtotal + other.subtotal,
            discount: self.discount + other.discount,
            tax: self.tax + other.tax,
            total: self.total + other.total,
        }
    }
}

/// `numerator / denominator`, a half rounded up (both are non-negative).
fn divide_half_up(numerator: u128, denominator: u128) -> u128 {
    (2 * numerator + denominator) / (2 * denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> TaxRate {
        TaxRate::parse(text).unwrap()
    }

    fn parts(totals: Totals) -> [u128; 4] {
        [totals.subtotal, totals.discount, totals.tax, totals.total].map(|m| m.0)
    }

    #[test]
    fn reproduces_paddles_recorded_previews() {
        // New York: $5.00 with 8.875% on top.
        let us = Totals::of(500, rate("0.08875"), Inclusion::Exclusive);
        assert_eq!(parts(us), [500, 0, 44, 544]);
        // London and Berlin: $5.00 with 20% and 19% inside.
        let gb = Totals::of(500, rate("0.2"), Inclusion::Inclusive);
        assert_eq!(parts(gb), [417, 0, 83, 500]);
        let de = Totals::of(500, rate("0.19"), Inclusion::Inclusive);
        assert_eq!(parts(de), [420, 0, 80, 500]);
        // Tokyo: ¥798 with 10% inside.
        let jp = Totals::of(798, rate("0.1"), Inclusion::Inclusive);
        assert_eq!(parts(jp), [725, 0, 73, 798]);
        // Budapest, 2023: $12.00 with 27% on top, two of them.
        let hu = Totals::of(1200, rate("0.27"), Inclusion::Exclusive);
        assert_eq!(parts(hu), [1200, 0, 324, 1524]);
        let line = Totals::of(2400, rate("0.27"), Inclusion::Exclusive);
        assert_eq!(parts(line), [2400, 0, 648, 3048]);
    }

    #[test]
    fn halves_round_up_and_nothing_is_lost() {
        // 10 at 5% is 0.5: up to 1.
        assert_eq!(
            parts(Totals::of(10, rate("0.05"), Inclusion::Exclusive)),
            [10, 0, 1, 11]
        );
        // 9 at 5% is 0.45: down to 0.
        assert_eq!(
            parts(Totals::of(9, rate("0.05"), Inclusion::Exclusive)),
            [9, 0, 0, 9]
        );
        // 21 with 5% inside: tax 1 (1.0), subtotal 20.
        assert_eq!(
            parts(Totals::of(21, rate("0.05"), Inclusion::Inclusive)),
            [20, 0, 1, 21]
        );
        for amount in [0, 1, 3, 999, 123_456_789] {
            for ppm in [0, 1, 49_999, 200_000, 1_000_000] {
                let rate = TaxRate::from_ppm(ppm).unwrap();
                let inside = Totals::of(amount, rate, Inclusion::Inclusive);
                assert_eq!(inside.total.0, amount, "{amount} {ppm}");
                assert_eq!(inside.subtotal.0 + inside.tax.0, amount);
                let on_top = Totals::of(amount, rate, Inclusion::Exclusive);
                assert_eq!(on_top.subtotal.0, amount);
                assert_eq!(on_top.subtotal.0 + on_top.tax.0, on_top.total.0);
            }
        }
    }

    #[test]
    fn the_largest_line_fits() {
        let largest = 999_999_999_999u128 * 999_999_999;
        let totals = Totals::of(
            largest,
            TaxRate::from_ppm(1_000_000).unwrap(),
            Inclusion::Exclusive,
        );
        assert_eq!(totals.total.0, largest * 2);
        assert_eq!(
            serde_json::to_value(Minor(largest)).unwrap(),
            largest.to_string()
        );
    }
}
