//! The users file of `tessera admin import --file users.csv`. Every row is validated before
//! anything is imported, so the report lists every bad row at once and a bad file imports
//! nothing.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use crate::domain::account::Role;
use crate::domain::email::Email;
use crate::domain::name::DisplayName;
use crate::i18n::{Arg, say, say_with};
use crate::legacy::{self, HashScheme};

/// One valid row, ready to import.
pub struct ImportRow {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub email: Email,
    pub display_name: DisplayName,
    /// As it was in the file; checked by `legacy::check_format`, not verified.
    pub password_hash: String,
    /// None in a file of invitations, which has no passwords.
    pub scheme: Option<HashScheme>,
    pub organization: Option<String>,
    pub role: Role,
}

impl fmt::Debug for ImportRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash can be attacked offline, so it stays out of logs like a password.
        f.debug_struct("ImportRow")
            .field("line", &self.line)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("password_hash", &format_args!("<redacted>"))
            .field("scheme", &self.scheme)
            .field("organization", &self.organization)
            .field("role", &self.role)
            .finish()
    }
}

/// A reason the file cannot be imported, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    pub message: String,
}

impl RowProblem {
    fn new(line: u64, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = i64::try_from(self.line).unwrap_or(i64::MAX);
        f.write_str(&say_with(
            "import-problem-on-line",
            &[
                ("line", line.into()),
                ("problem", self.message.as_str().into()),
            ],
        ))
    }
}

/// How many lines of the file the problems name (a row may have several problems).
pub fn bad_lines(problems: &[RowProblem]) -> usize {
    let mut lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
    lines.sort_unstable();
    lines.dedup();
    lines.len()
}

/// At most this many problems are named in full in an answer (the console's page, the API's
/// problem document); the lines after them are only counted, so a file of bad rows never
/// becomes an answer many times its size (OWASP ASVS 5.0 2.4.1, no overuse of costly
/// resources; review issue 11, finding 14: 4.5 MiB of bad rows once gave a 61 MB document).
pub const PROBLEMS_SHOWN: usize = 100;
/// The most characters of one problem's message shown (a message may quote the file).
const MESSAGE_MAX_CHARS: usize = 300;

/// What an answer says about a file's problems: the first ones in full, and a count of the
/// other lines with problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemReport {
    /// The first `PROBLEMS_SHOWN` problems, in line order.
    pub shown: Vec<RowProblem>,
    /// How many lines have problems, in all.
    pub bad_lines: usize,
    /// How many lines with problems none of `shown` is on.
    pub more_lines: usize,
}

impl ProblemReport {
    /// `problems` in line order, as the checks return them.
    pub fn new(problems: Vec<RowProblem>) -> Self {
        let bad_lines = bad_lines(&problems);
        let shown: Vec<RowProblem> = problems
            .into_iter()
            .take(PROBLEMS_SHOWN)
            .map(|p| RowProblem {
                message: shorten(&p.message),
                ..p
            })
            .collect();
        let more_lines = bad_lines - self::bad_lines(&shown);
        Self {
            shown,
            bad_lines,
            more_lines,
        }
    }

    /// "and 51,234 more lines with problems", when some were not shown.
    pub fn more(&self) -> Option<String> {
        match self.more_lines {
            0 => None,
            n => Some(say_with(
                "import-problem-more",
                &[
                    ("n", i64::try_from(n).unwrap_or(i64::MAX).into()),
                    ("count", thousands(n).into()),
                ],
            )),
        }
    }
}

fn shorten(message: &str) -> String {
    if message.chars().count() <= MESSAGE_MAX_CHARS {
        return message.to_string();
    }
    let mut short: String = message.chars().take(MESSAGE_MAX_CHARS - 1).collect();
    short.push('…');
    short
}

/// 51234 → "51,234".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const HEADER_LINE: u64 = 1;
const ORGANIZATION_MAX_CHARS: usize = 100;

/// Where each known column is; other columns are ignored.
struct Columns {
    email: usize,
    display_name: usize,
    /// None in a file of invitations.
    password_hash: Option<usize>,
    organization: Option<usize>,
    role: Option<usize>,
}

/// What a row asks of the database: that its address is not registered yet and that its
/// organization exists. Kept for bad rows too, so one run reports every bad line.
pub struct RowNames {
    pub line: u64,
    /// None when the address is not valid or repeats an earlier row's (reported already).
    pub email: Option<Email>,
    pub organization: Option<String>,
}

/// A whole file, each row checked on its own: the good rows, every problem in line order,
/// and what every row (good or bad) names for the checks only the database can make.
pub struct CheckedFile {
    pub rows: Vec<ImportRow>,
    pub problems: Vec<RowProblem>,
    pub names: Vec<RowNames>,
}

impl CheckedFile {
    fn problems_only(problems: Vec<RowProblem>) -> Self {
        Self {
            rows: Vec::new(),
            problems,
            names: Vec::new(),
        }
    }

    /// All rows, or every problem found.
    pub fn into_result(self) -> Result<Vec<ImportRow>, Vec<RowProblem>> {
        if self.problems.is_empty() {
            Ok(self.rows)
        } else {
            Err(self.problems)
        }
    }
}

/// Reads and checks a whole file of current portal users (with password hashes).
pub fn check_users(reader: impl Read) -> CheckedFile {
    check(reader, true)
}

/// Reads and validates the whole file: all rows, or every problem found, in line order.
pub fn parse_users(reader: impl Read) -> Result<Vec<ImportRow>, Vec<RowProblem>> {
    check(reader, true).into_result()
}

/// A file of people to invite (an administrator's bulk create): the columns email and
/// display_name, optionally organization and role; no passwords.
pub fn parse_invitations(reader: impl Read) -> Result<Vec<ImportRow>, Vec<RowProblem>> {
    check(reader, false).into_result()
}

fn check(reader: impl Read, with_hashes: bool) -> CheckedFile {
    // Flexible, so a row with the wrong number of fields is reported, not fatal.
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = match csv.headers() {
        Ok(header) => header.clone(),
        Err(e) => return CheckedFile::problems_only(vec![read_problem(&e, HEADER_LINE)]),
    };
    let columns = match columns(&header, with_hashes) {
        Ok(columns) => columns,
        Err(problems) => return CheckedFile::problems_only(problems),
    };

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut names = Vec::new();
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let next_line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                problems.push(read_problem(&e, next_line));
                // Past a broken read the rest of the file cannot be trusted.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(next_line, |p| p.line());
        // Spreadsheets leave rows of empty cells at the end.
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            // Argon2 and PBKDF2 PHC strings hold commas ("m=19456,t=2,p=1"), so an unquoted
            // one is the likeliest cause; saying so saves a puzzled administrator a search.
            let hint = if record.len() > header.len() && record.iter().any(is_phc_start) {
                say("import-problem-hint-phc-commas")
            } else {
                say("import-problem-hint-quote")
            };
            problems.push(RowProblem::new(
                line,
                say_with(
                    "import-problem-field-count",
                    &[
                        ("fields", count(record.len())),
                        ("columns", count(header.len())),
                        ("hint", hint.into()),
                    ],
                ),
            ));
            continue;
        }
        let (named, checked) = check_row(line, &record, &columns, &mut first_seen);
        names.push(named);
        match checked {
            Ok(row) => rows.push(row),
            Err(mut found) => problems.append(&mut found),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(RowProblem::new(HEADER_LINE, say("import-problem-no-users")));
    }
    CheckedFile {
        rows,
        problems,
        names,
    }
}

/// A count as a message's argument (a number, which chooses plural forms).
fn count(n: usize) -> Arg {
    Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
}

fn line_arg(line: u64) -> Arg {
    Arg::Number(i64::try_from(line).unwrap_or(i64::MAX))
}

fn is_phc_start(field: &str) -> bool {
    field.starts_with("$argon2") || field.starts_with("$pbkdf2-sha256$i=")
}

fn columns(header: &csv::StringRecord, with_hashes: bool) -> Result<Columns, Vec<RowProblem>> {
    if header.iter().all(str::is_empty) {
        return Err(vec![RowProblem::new(
            HEADER_LINE,
            say("import-problem-empty"),
        )]);
    }
    let mut found: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (index, name) in header.iter().enumerate() {
        // csv strips a byte-order mark; this covers one the trimming left behind.
        let name = name.trim_start_matches('\u{feff}').trim().to_lowercase();
        if name.is_empty() {
            continue;
        }
        if found.insert(name.clone(), index).is_some() {
            problems.push(RowProblem::new(
                HEADER_LINE,
                say_with(
                    "import-problem-column-twice",
                    &[("name", name.as_str().into())],
                ),
            ));
        }
    }
    let required: &[&str] = if with_hashes {
        &["email", "display_name", "password_hash"]
    } else {
        &["email", "display_name"]
    };
    for &required in required {
        if !found.contains_key(required) {
            problems.push(RowProblem::new(
                HEADER_LINE,
                say_with(
                    "import-problem-column-missing",
                    &[("name", required.into())],
                ),
            ));
        }
    }
    let password_hash = found.get("password_hash").copied().filter(|_| with_hashes);
    match (found.get("email"), found.get("display_name")) {
        (Some(&email), Some(&display_name)) if problems.is_empty() => Ok(Columns {
            email,
            display_name,
            password_hash,
            organization: found.get("organization").copied(),
            role: found.get("role").copied(),
        }),
        _ => Err(problems),
    }
}

fn check_row(
    line: u64,
    record: &csv::StringRecord,
    columns: &Columns,
    first_seen: &mut HashMap<String, u64>,
) -> (RowNames, Result<ImportRow, Vec<RowProblem>>) {
    let field = |index: usize| record.get(index).unwrap_or_default();
    let optional = |index: Option<usize>| index.map(field).filter(|text| !text.is_empty());
    let mut problems = Vec::new();
    let mut problem = |message: String| problems.push(RowProblem::new(line, message));

    let email = match Email::parse(field(columns.email)) {
        Ok(email) => match first_seen.get(email.as_str()) {
            Some(&earlier) => {
                problem(format!(
                    "email: {}",
                    say_with(
                        "import-problem-same-address",
                        &[("line", line_arg(earlier))]
                    )
                ));
                None
            }
            None => {
                first_seen.insert(email.as_str().to_string(), line);
                Some(email)
            }
        },
        Err(e) => {
            problem(format!("email: {e}"));
            None
        }
    };
    let display_name = DisplayName::parse(field(columns.display_name))
        .map_err(|e| problem(format!("display_name: {e}")))
        .ok();
    let password_hash = columns.password_hash.map(field).unwrap_or_default();
    let scheme = match columns.password_hash {
        Some(_) => legacy::check_format(password_hash)
            .map(Some)
            .map_err(|e| problem(format!("password_hash: {e}")))
            .ok(),
        None => Some(None),
    };
    let organization = optional(columns.organization);
    if organization.is_some_and(|name| name.chars().count() > ORGANIZATION_MAX_CHARS) {
        problem(format!(
            "organization: {}",
            say_with(
                "import-problem-organization-too-long",
                &[("max", count(ORGANIZATION_MAX_CHARS))]
            )
        ));
    }
    let role = match optional(columns.role)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("user") => Some(Role::User),
        Some("org-admin") => Some(Role::OrgAdmin),
        // Imports never create system administrators.
        Some(_) => {
            problem(format!("role: {}", say("import-problem-role")));
            None
        }
    };

    let names = RowNames {
        line,
        email: email.clone(),
        organization: organization
            .filter(|name| name.chars().count() <= ORGANIZATION_MAX_CHARS)
            .map(str::to_string),
    };
    let checked = match (email, display_name, scheme, role) {
        (Some(email), Some(display_name), Some(scheme), Some(role)) if problems.is_empty() => {
            Ok(ImportRow {
                line,
                email,
                display_name,
                password_hash: password_hash.to_string(),
                scheme,
                organization: organization.map(str::to_string),
                role,
            })
        }
        _ => Err(problems),
    };
    (names, checked)
}

fn read_problem(error: &csv::Error, fallback_line: u64) -> RowProblem {
    let line = error.position().map_or(fallback_line, |p| p.line());
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => say("import-problem-not-utf8"),
        csv::ErrorKind::Io(e) => say_with(
            "import-problem-unreadable-file",
            &[("error", e.to_string().into())],
        ),
        _ => say_with(
            "import-problem-unreadable-line",
            &[("error", error.to_string().into())],
        ),
    };
    RowProblem::new(line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BCRYPT: &str = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    const PASSLIB: &str =
        "$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk";
    const DJANGO: &str =
        "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=";
    const PHC_PBKDF2: &str = "$pbkdf2-sha256$i=4096,l=40$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q";
    const ARGON2: &str =
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";

    fn parse(text: &str) -> Result<Vec<ImportRow>, Vec<RowProblem>> {
        parse_users(text.as_bytes())
    }

    fn problem_lines(text: &str) -> Vec<u64> {
        parse(text).unwrap_err().iter().map(|p| p.line).collect()
    }

    #[test]
    fn a_good_file_with_mixed_schemes_gives_every_row() {
        let fresh_bcrypt = bcrypt::hash("pw", 4).unwrap();
        let text = format!(
            "email,display_name,password_hash,organization,role\n\
             ana@example.org,Ana Lima,{BCRYPT},North Clinic,org-admin\n\
             Ben@Example.ORG,Ben Okafor,{PASSLIB},,\n\
             cy@example.org,Cy Young,{DJANGO},North Clinic,user\n\
             di@example.org,Di Prince,\"{PHC_PBKDF2}\",,USER\n\
             ed@example.org,Ed Stone,\"{ARGON2}\",South Clinic,\n\
             fay@example.org,Fay Wray,{fresh_bcrypt},,\n"
        );
        let rows = parse(&text).unwrap();
        let summary: Vec<_> = rows
            .iter()
            .map(|r| (r.line, r.email.as_str(), r.scheme.unwrap(), r.role))
            .collect();
        assert_eq!(
            summary,
            [
                (2, "ana@example.org", HashScheme::Bcrypt, Role::OrgAdmin),
                (3, "ben@example.org", HashScheme::Pbkdf2Sha256, Role::User),
                (4, "cy@example.org", HashScheme::Pbkdf2Sha256, Role::User),
                (5, "di@example.org", HashScheme::Pbkdf2Sha256, Role::User),
                (6, "ed@example.org", HashScheme::Argon2, Role::User),
                (7, "fay@example.org", HashScheme::Bcrypt, Role::User),
            ]
        );
        assert_eq!(rows[0].display_name.as_str(), "Ana Lima");
        assert_eq!(rows[0].organization.as_deref(), Some("North Clinic"));
        assert_eq!(rows[1].organization, None);
        assert_eq!(rows[2].password_hash, DJANGO);
        assert_eq!(rows[5].password_hash, fresh_bcrypt);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = format!(
            "email,display_name,password_hash,role\n\
             ana@example.org,Ana Lima,{BCRYPT},user\n\
             not-an-address,Ben Okafor,{BCRYPT},user\n\
             cy@example.org,Cy Young,\"{ARGON2}\",\n\
             di@example.org,  ,{BCRYPT},user\n\
             ed@example.org,Ed Stone,5f4dcc3b5aa765d61d8327deb882cf99,user\n\
             fay@example.org,Fay Wray,{DJANGO},system-admin\n\
             ANA@example.org,Ana Again,{PASSLIB},user\n\
             gus@example.org,Gus Grey,{PASSLIB},\n"
        );
        let problems = parse(&text).unwrap_err();
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "line 3: email: Enter the email address in the form name@example.com.",
                "line 5: display_name: Enter a display name.",
                "line 6: password_hash: unknown password hash format",
                "line 7: role: must be user or org-admin",
                "line 8: email: the same address is on line 2",
            ]
        );
    }

    #[test]
    fn bad_rows_still_name_their_address_and_organization_for_the_database_checks() {
        let text = format!(
            "email,display_name,password_hash,organization\n\
             ana@example.org,Ana Lima,{BCRYPT},North Clinic\n\
             ben@example.org,Ben Okafor,not-a-hash,South Clinic\n\
             bad,Cy Young,{BCRYPT},East Clinic\n\
             ANA@example.org,Ana Again,{BCRYPT},\n\
             too,many,fields,here,now\n"
        );
        let file = check_users(text.as_bytes());
        assert_eq!(file.rows.len(), 1);
        assert_eq!(
            file.problems.iter().map(|p| p.line).collect::<Vec<_>>(),
            [3, 4, 5, 6]
        );
        let names: Vec<_> = file
            .names
            .iter()
            .map(|n| {
                (
                    n.line,
                    n.email.as_ref().map(Email::as_str),
                    n.organization.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                (2, Some("ana@example.org"), Some("North Clinic")),
                (3, Some("ben@example.org"), Some("South Clinic")),
                // Not an address; a repeat is reported as one already.
                (4, None, Some("East Clinic")),
                (5, None, None),
            ]
        );
        assert_eq!(bad_lines(&file.problems), 4);
    }

    #[test]
    fn a_report_names_the_first_problems_and_counts_the_other_lines() {
        let problems: Vec<RowProblem> = (2..52_000u64)
            .flat_map(|line| {
                [
                    RowProblem::new(line, "email: not an address"),
                    RowProblem::new(line, "x".repeat(10_000)),
                ]
            })
            .collect();
        let report = ProblemReport::new(problems);
        assert_eq!(report.shown.len(), PROBLEMS_SHOWN);
        assert_eq!(report.shown[0].line, 2);
        assert_eq!(report.bad_lines, 51_998);
        assert_eq!(
            report.more_lines,
            51_998 - 50,
            "two problems a line: 50 lines shown"
        );
        assert_eq!(
            report.more().as_deref(),
            Some("and 51,948 more lines with problems")
        );
        assert!(
            report
                .shown
                .iter()
                .all(|p| p.message.chars().count() <= 300)
        );
        let few = ProblemReport::new(vec![RowProblem::new(3, "email: not an address")]);
        assert_eq!((few.bad_lines, few.more_lines, few.more()), (1, 0, None));
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn one_row_can_have_several_problems_and_bad_parameters_are_named() {
        let text = format!(
            "email,display_name,password_hash\n\
             bad,<b>,$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n\
             ok@example.org,Ok,{}\n",
            PASSLIB.replace("$29000$", "$999$")
        );
        let problems = parse(&text).unwrap_err();
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert_eq!(bad_lines(&problems), 2, "four problems on two lines");
        assert!(shown[0].starts_with("line 2: email: "));
        assert!(shown[1].starts_with("line 2: display_name: "));
        assert_eq!(shown[2], "line 2: password_hash: bcrypt cost out of range");
        assert_eq!(
            shown[3],
            "line 3: password_hash: PBKDF2 iteration count out of range"
        );
    }

    #[test]
    fn a_missing_column_is_reported_once_on_line_one() {
        let mut text = "email,display_name\n".to_string();
        for i in 0..50 {
            text.push_str(&format!("user{i}@example.org,User {i}\n"));
        }
        assert_eq!(
            parse(&text).unwrap_err(),
            [RowProblem::new(
                1,
                "the required column password_hash is missing"
            )]
        );
        assert_eq!(
            problem_lines("email,Email,display_name,password_hash\n"),
            [1]
        );
    }

    #[test]
    fn a_header_alone_or_an_empty_file_has_no_users() {
        assert_eq!(
            parse("email,display_name,password_hash\n")
                .unwrap_err()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["line 1: the file has no users"]
        );
        assert_eq!(
            problem_lines("email,display_name,password_hash\n\n,,\n  ,  , \n"),
            [1]
        );
        let empty = parse("").unwrap_err();
        assert_eq!(empty.len(), 1);
        assert!(empty[0].message.starts_with("the file is empty"));
    }

    #[test]
    fn bom_reordered_and_mixed_case_headers_are_understood() {
        let text = format!(
            "\u{feff} Password_Hash ,ROLE, Display_Name,EMAIL,Notes\r\n\
             {BCRYPT},Org-Admin,Ana Lima, ana@example.org ,ignored\r\n"
        );
        let rows = parse(&text).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].email.as_str(), "ana@example.org");
        assert_eq!(rows[0].display_name.as_str(), "Ana Lima");
        assert_eq!(rows[0].password_hash, BCRYPT);
        assert_eq!(rows[0].role, Role::OrgAdmin);
        assert_eq!(rows[0].organization, None);
    }

    #[test]
    fn quoted_fields_may_hold_commas_and_line_breaks() {
        let text = format!(
            "email,display_name,password_hash,organization\n\
             ana@example.org,\"Lima, Ana\",\"{BCRYPT}\",\"Clinic, North\"\n\
             ben@example.org,\"Ben\n Okafor\",{PASSLIB},\n\
             cy@example.org,Cy,{DJANGO},\n\
             bad,Dee,{DJANGO},\n"
        );
        let problems = parse(&text).unwrap_err();
        // The line break inside row 3 moves the later rows down a line.
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [6]);

        let good = text.replace("bad,Dee", "dee@example.org,Dee");
        let rows = parse(&good).unwrap();
        assert_eq!(rows[0].display_name.as_str(), "Lima, Ana");
        assert_eq!(rows[0].organization.as_deref(), Some("Clinic, North"));
        assert_eq!(rows[1].display_name.as_str(), "Ben Okafor");
        assert_eq!(
            rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            [2, 3, 5, 6]
        );
    }

    #[test]
    fn rows_with_the_wrong_number_of_fields_are_reported() {
        let text = format!(
            "email,display_name,password_hash\n\
             ana@example.org,Lima, Ana,{BCRYPT}\n\
             ben@example.org,Ben\n\
             cy@example.org,Cy,{BCRYPT}\n"
        );
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [2, 3]);
        assert!(
            problems[0]
                .message
                .starts_with("has 4 fields but the header has 3")
        );
    }

    #[test]
    fn an_unquoted_phc_hash_gets_a_hint() {
        let text = format!("email,display_name,password_hash\nana@example.org,Ana,{ARGON2}\n");
        let problems = parse(&text).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "line 2: has 5 fields but the header has 3; \
             an Argon2 or PBKDF2 hash contains commas, so put it in double quotes"
        );
    }

    #[test]
    fn invalid_utf8_is_reported_on_its_line() {
        let mut bytes = format!("email,display_name,password_hash\nana@example.org,Ana,{BCRYPT}\n")
            .into_bytes();
        bytes.extend_from_slice(b"ben@example.org,B\xffn,");
        bytes.extend_from_slice(BCRYPT.as_bytes());
        bytes.extend_from_slice(format!("\ncy@example.org,Cy,{BCRYPT}\n").as_bytes());
        let problems = parse_users(bytes.as_slice()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert!(problems[0].message.contains("UTF-8"));
    }

    #[test]
    fn long_organization_names_are_refused() {
        let text = format!(
            "email,display_name,password_hash,organization\nana@example.org,Ana,{BCRYPT},{}\n",
            "x".repeat(101)
        );
        assert_eq!(problem_lines(&text), [2]);
    }

    #[test]
    fn debug_output_does_not_show_the_hash() {
        let text = format!("email,display_name,password_hash\nana@example.org,Ana,{BCRYPT}\n");
        let rows = parse(&text).unwrap();
        let shown = format!("{:?}", rows[0]);
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains("CCCCCCCC"), "{shown}");
        assert!(!shown.contains("ana@example.org"), "{shown}");
    }

    #[test]
    fn ten_thousand_rows_validate_quickly() {
        let hashes = [BCRYPT, PASSLIB, DJANGO, PHC_PBKDF2, ARGON2];
        let mut text = "email,display_name,password_hash,organization,role\n".to_string();
        for i in 0..10_000 {
            let hash = hashes[i % hashes.len()];
            text.push_str(&format!(
                "user{i}@example.org,User Number {i},\"{hash}\",North Clinic,user\n"
            ));
        }
        let started = std::time::Instant::now();
        let rows = parse(&text).unwrap();
        let took = started.elapsed();
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows[9_999].line, 10_001);
        // Generous for an unoptimised build; a release build takes a small fraction of this.
        assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn a_file_of_invitations_needs_no_passwords() {
        let text = "Email,Display_Name,Organization\nana@example.org,Ana Lima,North Clinic\nbad,Bad Row,\n";
        let problems = super::parse_invitations(text.as_bytes()).unwrap_err();
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [3]);
        let rows =
            super::parse_invitations("email,display_name\nana@example.org,Ana Lima\n".as_bytes())
                .unwrap();
        assert_eq!(
            (rows[0].email.as_str(), rows[0].scheme),
            ("ana@example.org", None)
        );
    }
}

/// Whatever file an administrator uploads: never a panic; every problem names a line of the
/// file; rows written from good values come back as the same people.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    const BCRYPT: &str = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-z]{1,8}@[a-z]{1,8}\\.org",
            "[A-Za-z ,\"\n]{0,20}",
            Just(BCRYPT.to_string()),
            Just("org-admin".to_string()),
        ]
    }

    fn lines_of(bytes: &[u8]) -> u64 {
        bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 1
    }

    proptest! {
        #![proptest_config(crate::proptest_config(512))]

        #[test]
        fn import_csv_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            for result in [parse_users(&bytes[..]), parse_invitations(&bytes[..])] {
                if let Err(problems) = result {
                    prop_assert!(!problems.is_empty());
                    for p in problems {
                        prop_assert!(p.line >= 1 && p.line <= lines_of(&bytes), "{p}");
                        prop_assert!(!p.message.is_empty());
                    }
                }
            }
        }

        #[test]
        fn import_csv_arbitrary_cells_never_panic(
            header in proptest::collection::vec(
                prop_oneof![Just("email".to_string()), Just("display_name".to_string()),
                    Just("password_hash".to_string()), Just("organization".to_string()),
                    Just("role".to_string()), any::<String>()], 0..7),
            rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..7), 0..8),
        ) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(&header).unwrap();
            // Flexible: rows of any width, as a careless spreadsheet would write them.
            for row in &rows {
                let _ = writer.write_record(row);
            }
            let bytes = writer.into_inner().unwrap_or_default();
            for result in [parse_users(&bytes[..]), parse_invitations(&bytes[..])] {
                match result {
                    Ok(parsed) => prop_assert!(parsed.len() <= rows.len()),
                    Err(problems) => prop_assert!(problems.iter().all(|p| p.line >= 1 && p.line <= lines_of(&bytes))),
                }
            }
        }

        #[test]
        fn import_csv_good_rows_round_trip(
            people in proptest::collection::btree_map("[a-z]{1,10}@[a-z]{1,10}\\.org", "[A-Za-z][A-Za-z ,'-]{0,30}[a-z]", 1..20),
        ) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["email", "display_name", "password_hash"]).unwrap();
            for (email, name) in &people {
                writer.write_record([email.to_uppercase().as_str(), name, BCRYPT]).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let rows = parse_users(&bytes[..]).unwrap();
            prop_assert_eq!(rows.len(), people.len());
            for (row, (email, name)) in rows.iter().zip(&people) {
                prop_assert_eq!(row.email.as_str(), email.as_str());
                let expected = DisplayName::parse(name).unwrap();
                prop_assert_eq!(row.display_name.as_str(), expected.as_str());
                prop_assert_eq!(row.scheme, Some(HashScheme::Bcrypt));
            }
        }
    }
}
