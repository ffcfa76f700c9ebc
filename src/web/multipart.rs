//! Just enough `multipart/form-data` (RFC 7578) to read a file a form uploads without script:
//! the parts' names, file names and contents, sliced from the body as it arrived (no copy).
//! The body is already bounded by the route's limit when it gets here.

use axum::body::Bytes;

/// One field of the form.
#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Bytes,
}

/// The boundary named by a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut at = from;
    while at + needle.len() <= haystack.len() {
        let offset = haystack[at..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        at += offset;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// A `Content-Disposition` parameter (`name="file"`), unquoted.
fn parameter(disposition: &str, key: &str) -> Option<String> {
    disposition
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// The parts of a body; None when it is not well formed.
pub fn parse(body: &Bytes, boundary: &str) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}");
    let between = format!("\r\n--{boundary}");
    let mut at = find(body, delimiter.as_bytes(), 0)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        match body.get(at..at + 2)? {
            b"--" => return Some(parts),
            b"\r\n" => at += 2,
            _ => return None,
        }
        let headers_end = find(body, b"\r\n\r\n", at)?;
        let headers = std::str::from_utf8(&body[at..headers_end]).ok()?;
        let disposition = headers.split("\r\n").find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then(|| value.trim().to_string())
        })?;
        let start = headers_end + 4;
        let end = find(body, between.as_bytes(), start)?;
        parts.push(Part {
            name: parameter(&disposition, "name")?,
            filename: parameter(&disposition, "filename"),
            data: body.slice(start..end),
        });
        at = end + between.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_files_as_browsers_send_them() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\n\
              Content-Type: text/csv\r\n\r\nemail,display_name\r\na@b.org,A B\r\n\r\n--XyZ--\r\n",
        );
        let b = boundary("multipart/form-data; boundary=XyZ").unwrap();
        let parts = parse(&body, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf_token");
        assert_eq!(&parts[0].data[..], b"abc");
        assert_eq!(parts[1].filename.as_deref(), Some("people.csv"));
        assert_eq!(&parts[1].data[..], b"email,display_name\r\na@b.org,A B\r\n");
    }

    #[test]
    fn refuses_what_is_not_multipart_or_is_cut_short() {
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(
            boundary("multipart/form-data; boundary=\"q\"").as_deref(),
            Some("q")
        );
        let cut =
            Bytes::from_static(b"--q\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end");
        assert!(parse(&cut, "q").is_none());
        let nameless = Bytes::from_static(b"--q\r\nContent-Type: text/plain\r\n\r\nx\r\n--q--");
        assert!(parse(&nameless, "q").is_none());
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::proptest_config(512))]

        /// Outside input: any body and any content type is read or refused, never a panic.
        #[test]
        fn multipart_parse_never_panics(
            body in proptest::collection::vec(any::<u8>(), 0..600),
            content_type in any::<String>(),
            boundary_text in "[A-Za-z0-9'()+_,./:=?-]{1,20}",
        ) {
            let _ = boundary(&content_type);
            let _ = parse(&Bytes::from(body.clone()), &boundary_text);
            // The same bytes inside a well-framed body.
            let mut framed = format!("--{boundary_text}\r\n").into_bytes();
            framed.extend_from_slice(&body);
            framed.extend_from_slice(format!("\r\n--{boundary_text}--").as_bytes());
            let _ = parse(&Bytes::from(framed), &boundary_text);
        }

        /// A body built as a browser builds it reads back as the same fields.
        #[test]
        fn multipart_fields_round_trip(
            fields in proptest::collection::vec(("[a-z_]{1,12}", "[ -~]{0,80}"), 1..5),
            boundary_text in "[A-Za-z0-9]{10,40}",
        ) {
            prop_assume!(fields.iter().all(|(_, v)| !v.contains(&boundary_text)));
            let mut body = String::new();
            for (name, value) in &fields {
                body.push_str(&format!(
                    "--{boundary_text}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                ));
            }
            body.push_str(&format!("--{boundary_text}--\r\n"));
            let parts = parse(&Bytes::from(body), &boundary_text).unwrap();
            prop_assert_eq!(parts.len(), fields.len());
            for (part, (name, value)) in parts.iter().zip(&fields) {
                prop_assert_eq!(&part.name, name);
                prop_assert_eq!(&part.data[..], value.as_bytes());
            }
        }
    }
}
