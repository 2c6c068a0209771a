//! The days a note names: when a visit happened ("上周三见了王总",
//! "2026年3月1日去的") and when the next step is due ("下周二谈商务").
//!
//! Pure functions of the normalized text and today's date. A day is read in
//! a direction: a visit that happened looks back (周三 is the last
//! Wednesday), a plan looks ahead (周三 is the next one). A day that cannot
//! be so (a visit in 2099, a plan for 1999, 2月30日) is never silently
//! turned into another: it comes back as [`When::Unreadable`] so the reply
//! can say so.

use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::Regex;

/// Which way a day is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// What happened: the day is today or before.
    Past,
    /// What is planned: the day is today or after.
    Future,
}

/// What the text says about the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// No day named.
    None,
    /// This day, named by these words.
    Day(NaiveDate, String),
    /// Words that name a day that cannot be meant in this direction, or no
    /// day at all (2月30日).
    Unreadable(String),
}

/// How far back a visit may be dated.
const OLDEST_VISIT_DAYS: i64 = 2 * 366;

/// Patterns of this file that failed to compile (see [`re`]).
static BAD_PATTERNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Compile one of this file's constant date patterns (all are module
/// statics, listed in the unit test `every_pattern_compiles`). A bad one is
/// a programming error: it is logged, counted (the test fails on any), and
/// replaced by one that never matches rather than panic on a request path.
fn re(s: &str) -> Regex {
    Regex::new(s).unwrap_or_else(|e| {
        BAD_PATTERNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tracing::error!(pattern = s, error = %e, "a built-in date pattern does not compile");
        Regex::new("[^\\s\\S]").unwrap_or_else(|_| unreachable!())
    })
}

static FULL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*(?:日|号)?")
});
static WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(上上上|上上|上|这|本|下下下|下下|下)?(?:周|星期|礼拜)([一二三四五六日天1-7])")
});
static WEEK: LazyLock<Regex> =
    LazyLock::new(|| re(r"(上上上|上上|上|下下下|下下|下)(?:周|星期|礼拜)"));
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{1,2})月(\d{1,2})(?:日|号)"));
static DAY: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{1,2})号"));
static DAYS_AGO: LazyLock<Regex> =
    LazyLock::new(|| re(r"(\d{1,2}|[一两二三四五六七八九十])\s*天(?:前|以前|之前)"));
static EN_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\b(next\s+|last\s+|on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
});

/// Relative day words and their offset from today, longest first.
const RELATIVE: [(&str, i64); 9] = [
    ("day before yesterday", -2),
    ("大前天", -3),
    ("大后天", 3),
    ("前天", -2),
    ("昨天", -1),
    ("后天", 2),
    ("明天", 1),
    ("tomorrow", 1),
    ("yesterday", -1),
];

/// The day `norm` names, read in `dir` from `today`.
pub fn day_in(norm: &str, today: NaiveDate, dir: Direction) -> When {
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let checked = |date: Option<NaiveDate>, text: &str| match date {
        Some(d) if plausible(d, today, dir) => When::Day(d, text.to_string()),
        _ => When::Unreadable(text.to_string()),
    };
    if let Some(c) = FULL.captures(norm) {
        return checked(full_date(&c), &c[0]);
    }
    if let Some(c) = WEEKDAY.captures(norm) {
        let day = weekday_index(&c[2]);
        let weeks = c.get(1).map(|m| week_offset(m.as_str()));
        let mut date = monday + Duration::days(7 * weeks.unwrap_or(0) + day);
        if weeks.is_none() {
            // 周三 alone: the nearest one in the direction read.
            match dir {
                Direction::Future if date < today => date += Duration::days(7),
                Direction::Past if date > today => date -= Duration::days(7),
                _ => {}
            }
        }
        return checked(Some(date), &c[0]);
    }
    if let Some(c) = MONTH_DAY.captures(norm) {
        let (m, d) = month_day(&c);
        let this_year = NaiveDate::from_ymd_opt(today.year(), m, d);
        let date = match (dir, this_year) {
            (Direction::Future, Some(x)) if x < today => {
                NaiveDate::from_ymd_opt(x.year() + 1, m, d)
            }
            (Direction::Past, Some(x)) if x > today => NaiveDate::from_ymd_opt(x.year() - 1, m, d),
            (_, x) => x,
        };
        return checked(date, &c[0]);
    }
    for (word, days) in RELATIVE {
        if norm.contains(word) {
            return checked(Some(today + Duration::days(days)), word);
        }
    }
    if let Some(c) = DAYS_AGO.captures(norm) {
        let n = number(&c[1]);
        return checked(Some(today - Duration::days(n)), &c[0]);
    }
    if let Some(c) = EN_WEEKDAY.captures(norm) {
        let wd = match &c[2] {
            "monday" => Weekday::Mon,
            "tuesday" => Weekday::Tue,
            "wednesday" => Weekday::Wed,
            "thursday" => Weekday::Thu,
            "friday" => Weekday::Fri,
            "saturday" => Weekday::Sat,
            _ => Weekday::Sun,
        };
        let mut date = monday + Duration::days(i64::from(wd.num_days_from_monday()));
        match (c.get(1).map(|m| m.as_str().trim()), dir) {
            (Some("next"), _) => date += Duration::days(7),
            (Some("last"), _) => date -= Duration::days(7),
            (_, Direction::Future) if date <= today => date += Duration::days(7),
            (_, Direction::Past) if date > today => date -= Duration::days(7),
            _ => {}
        }
        return checked(Some(date), &c[0]);
    }
    if let Some(c) = WEEK.captures(norm) {
        // 下周 / 上周 with no day: that week's Monday.
        let date = monday + Duration::days(7 * week_offset(&c[1]));
        return checked(Some(date), &c[0]);
    }
    for (word, weeks) in [("next week", 1), ("last week", -1)] {
        if norm.contains(word) {
            return checked(Some(monday + Duration::days(7 * weeks)), word);
        }
    }
    if let Some(c) = DAY.captures(norm) {
        let d: u32 = c[1].parse().unwrap_or(0);
        let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), d);
        let date = match (dir, this_month) {
            (Direction::Future, Some(x)) if x < today => next_month(today, d),
            (Direction::Past, Some(x)) if x > today => last_month(today, d),
            (_, x) => x,
        };
        return checked(date, &c[0]);
    }
    When::None
}

/// Whether `norm` names a calendar date (with or without its year) that
/// is after `today`, read as written: 3月20号 on 3月2日 is ahead, 2月14日
/// is not.
pub fn date_ahead(norm: &str, today: NaiveDate) -> bool {
    let date = if let Some(c) = FULL.captures(norm) {
        full_date(&c)
    } else if let Some(c) = MONTH_DAY.captures(norm) {
        let (m, d) = month_day(&c);
        NaiveDate::from_ymd_opt(today.year(), m, d)
    } else if let Some(c) = DAY.captures(norm) {
        NaiveDate::from_ymd_opt(today.year(), today.month(), c[1].parse().unwrap_or(0))
    } else {
        None
    };
    date.is_some_and(|d| d > today)
}

/// The date a [`FULL`] match writes out (`None`: no such day).
fn full_date(c: &regex::Captures<'_>) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        c[1].parse().unwrap_or(0),
        c[2].parse().unwrap_or(0),
        c[3].parse().unwrap_or(0),
    )
}

/// Month and day of a [`MONTH_DAY`] match.
fn month_day(c: &regex::Captures<'_>) -> (u32, u32) {
    (c[1].parse().unwrap_or(0), c[2].parse().unwrap_or(0))
}

/// A visit is not in the future nor years back; a plan not in the past.
fn plausible(date: NaiveDate, today: NaiveDate, dir: Direction) -> bool {
    match dir {
        Direction::Past => date <= today && (today - date).num_days() <= OLDEST_VISIT_DAYS,
        Direction::Future => date >= today && (date - today).num_days() <= OLDEST_VISIT_DAYS,
    }
}

fn week_offset(prefix: &str) -> i64 {
    match prefix {
        "上上上" => -3,
        "上上" => -2,
        "上" => -1,
        "下" => 1,
        "下下" => 2,
        "下下下" => 3,
        _ => 0,
    }
}

fn weekday_index(day: &str) -> i64 {
    match day {
        "一" | "1" => 0,
        "二" | "2" => 1,
        "三" | "3" => 2,
        "四" | "4" => 3,
        "五" | "5" => 4,
        "六" | "6" => 5,
        _ => 6,
    }
}

fn number(s: &str) -> i64 {
    match s {
        "一" => 1,
        "两" | "二" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        "六" => 6,
        "七" => 7,
        "八" => 8,
        "九" => 9,
        "十" => 10,
        digits => digits.parse().unwrap_or(0),
    }
}

fn next_month(today: NaiveDate, d: u32) -> Option<NaiveDate> {
    let (y, m) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

fn last_month(today: NaiveDate, d: u32) -> Option<NaiveDate> {
    let (y, m) = if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() - 1)
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every date pattern of this file compiles (a bad one would be
    /// counted and replaced by one that never matches).
    #[test]
    fn every_pattern_compiles() {
        let statics: [&Regex; 7] = [
            &FULL,
            &WEEKDAY,
            &WEEK,
            &MONTH_DAY,
            &DAY,
            &DAYS_AGO,
            &EN_WEEKDAY,
        ];
        for p in statics {
            assert_ne!(p.as_str(), "[^\\s\\S]");
        }
        assert_eq!(BAD_PATTERNS.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Monday 2026-03-02.
    const TODAY: (i32, u32, u32) = (2026, 3, 2);

    fn past(s: &str) -> When {
        day_in(s, d(TODAY.0, TODAY.1, TODAY.2), Direction::Past)
    }

    fn future(s: &str) -> When {
        day_in(s, d(TODAY.0, TODAY.1, TODAY.2), Direction::Future)
    }

    fn on(w: When) -> Option<NaiveDate> {
        match w {
            When::Day(d, _) => Some(d),
            _ => None,
        }
    }

    #[test]
    fn plans_look_ahead() {
        assert_eq!(on(future("下周三方案呈现")), Some(d(2026, 3, 11)));
        assert_eq!(on(future("周三演示")), Some(d(2026, 3, 4)));
        assert_eq!(on(future("明天再去")), Some(d(2026, 3, 3)));
        assert_eq!(on(future("3月20号签约")), Some(d(2026, 3, 20)));
        assert_eq!(on(future("1月5号签约")), Some(d(2027, 1, 5)));
        assert_eq!(on(future("demo next wednesday")), Some(d(2026, 3, 11)));
        assert_eq!(on(future("下周做方案呈现")), Some(d(2026, 3, 9)));
        assert_eq!(on(future("2026年4月1日签约")), Some(d(2026, 4, 1)));
    }

    #[test]
    fn visits_look_back() {
        assert_eq!(on(past("上周三见了王总")), Some(d(2026, 2, 25)));
        assert_eq!(on(past("上上周五去的")), Some(d(2026, 2, 20)));
        assert_eq!(on(past("上上上周见了王总")), Some(d(2026, 2, 9)));
        assert_eq!(on(past("周五见了王总")), Some(d(2026, 2, 27)));
        assert_eq!(on(past("前天")), Some(d(2026, 2, 28)));
        assert_eq!(on(past("大前天")), Some(d(2026, 2, 27)));
        assert_eq!(on(past("3天前")), Some(d(2026, 2, 27)));
        assert_eq!(on(past("12月30日拜访")), Some(d(2025, 12, 30)));
        assert_eq!(on(past("met them last friday")), Some(d(2026, 2, 27)));
        assert_eq!(on(past("2026-02-14 去的")), Some(d(2026, 2, 14)));
        assert_eq!(past("今天见了王总"), When::None);
    }

    #[test]
    fn dates_ahead_are_plans() {
        let today = d(TODAY.0, TODAY.1, TODAY.2);
        assert!(date_ahead("3月20号签约", today));
        assert!(date_ahead("2099年1月1日见了王总", today));
        assert!(!date_ahead("2月14日见了王总", today));
        assert!(!date_ahead("见了王总", today));
    }

    #[test]
    fn impossible_days_are_said_not_moved() {
        assert_eq!(
            past("2099年1月1日见了王总"),
            When::Unreadable("2099年1月1日".into())
        );
        assert_eq!(
            past("1999年12月31日见了王总"),
            When::Unreadable("1999年12月31日".into())
        );
        assert_eq!(
            future("1999年12月31日再去"),
            When::Unreadable("1999年12月31日".into())
        );
        assert_eq!(future("2月30日再去"), When::Unreadable("2月30日".into()));
        assert_eq!(past("明天见了王总"), When::Unreadable("明天".into()));
    }
}
