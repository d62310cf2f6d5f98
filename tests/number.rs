//! Numbers as people here read them: grouped thousands, a decimal comma in Bahasa Indonesia, sizes in sensible units.

use jangkau::model::language::Language::{English, Indonesian};
use jangkau::model::number::{answer, decimal, size, whole};

#[test]
fn whole_numbers_group_thousands() {
    assert_eq!(whole(2_500_000, Indonesian), "2.500.000");
    assert_eq!(whole(2_500_000, English), "2,500,000");
    assert_eq!(whole(999, Indonesian), "999");
    assert_eq!(whole(-1_000, Indonesian), "-1.000");
    assert_eq!(whole(i64::MIN, Indonesian), "-9.223.372.036.854.775.808");
}

#[test]
fn decimals_use_the_comma_in_indonesian() {
    assert_eq!(decimal(3.25, 1, Indonesian), "3,3");
    assert_eq!(decimal(3.2, 1, English), "3.2");
    assert_eq!(decimal(1234.5, 2, Indonesian), "1.234,50");
    assert_eq!(decimal(-0.04, 1, Indonesian), "0,0");
    assert_eq!(decimal(-2.5, 1, Indonesian), "-2,5");
    assert_eq!(decimal(f64::NAN, 1, Indonesian), "–");
    assert_eq!(decimal(1e300, 1, Indonesian), "–");
    assert_eq!(answer(2.5, Indonesian), "2,5");
    assert_eq!(answer(12.0, Indonesian), "12");
    assert_eq!(answer(0.125, English), "0.125");
}

/// Issue 16: "Terpakai 2.7 MB dari 10242.7 MB".
#[test]
fn sizes_pick_a_unit() {
    assert_eq!(size(2.7 * 1024.0 * 1024.0, Indonesian), "2,7 MB");
    assert_eq!(size(10_242.7 * 1024.0 * 1024.0, Indonesian), "10,0 GB");
    assert_eq!(size(10.2 * 1024.0 * 1024.0 * 1024.0, Indonesian), "10,2 GB");
    assert_eq!(size(512.0 * 1024.0, English), "512 KB");
    assert_eq!(size(-1.0, English), "0 KB");
}
