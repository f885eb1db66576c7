//! Web links, e-mail addresses and @handles: found by the lexer as one span each, read here.
//!
//! Policy (the README's "How text is read"): a newsreader does not read out a link, so any
//! address with a path, query or port (`https://example.com/news/1`, `pic.twitter.com/AbC`)
//! is dropped; a site name is read as a name without its scheme and `www.` (`aajtak.in`,
//! `https://www.aajtak.in/` → आजतक डॉट इन); an e-mail address as `info ऐट example डॉट कॉम`; a
//! handle as its name without the `@` (`@PMOIndia` → पीएमओ इंडिया). The words of addresses
//! (`com` → कॉम, `gmail` → जीमेल, `.` → डॉट) are in `lexicon/links.tsv`.

use super::latin;
use super::numbers;
use super::tables::Tables;

/// What kind of address a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    /// A URL (scheme, `www.` or a path): not read.
    Url,
    /// A bare domain name: read label by label with डॉट.
    Domain,
    /// An e-mail address: name ऐट domain.
    Email,
    /// A social-media handle: its name.
    Handle,
}

/// Longest handle name, in characters (Twitter allows 15, Instagram 30).
const HANDLE_MAX: usize = 30;

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Returns the length of the domain at the start of `s` (labels of letters, digits and `-`
/// joined by dots, at least two, the last a top-level domain of `lexicon/links.tsv` written
/// in lower case, the first with a letter and of two or more characters unless a path
/// follows: `t.co/x`), or None.
fn domain_len(t: &Tables, s: &str) -> Option<usize> {
    let mut end = 0;
    let mut labels = 0;
    let mut first_ok = false;
    let mut first_short = false;
    let mut last = "";
    let mut pos = 0;
    loop {
        let n = s[pos..].find(|c: char| !is_label_char(c)).unwrap_or(s.len() - pos);
        if n == 0 {
            break;
        }
        let label = &s[pos..pos + n];
        if labels == 0 {
            first_ok = label.chars().any(|c| c.is_ascii_alphabetic());
            first_short = n < 2;
        }
        labels += 1;
        last = label;
        end = pos + n;
        if s[end..].starts_with('.') && s[end + 1..].starts_with(is_label_char) {
            pos = end + 1;
        } else {
            break;
        }
    }
    let tld = labels >= 2
        && last.bytes().all(|b| b.is_ascii_lowercase())
        && t.links.get(last).is_some_and(|(_, is_tld)| *is_tld);
    let path = s[end..].starts_with('/');
    (first_ok && tld && (!first_short || path)).then_some(end)
}

/// Returns the length of `s` up to the first space or non-ASCII character, without trailing
/// punctuation that belongs to the sentence.
fn url_len(s: &str) -> usize {
    let n = s.find(|c: char| c.is_whitespace() || !c.is_ascii() || matches!(c, '"' | '<' | '>')).unwrap_or(s.len());
    s[..n].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', ']']).len()
}

/// Returns the address starting at byte `s` of `line` (which must be the start of a word:
/// the caller checks that no letter or digit comes right before), and where it ends.
pub(crate) fn span(t: &Tables, line: &str, s: usize) -> Option<(LinkKind, usize)> {
    let rest = &line[s..];
    let first = rest.chars().next()?;
    if !(first.is_ascii_alphanumeric() || first == '@') {
        return None;
    }
    let starts = |p: &str| rest.len() >= p.len() && rest.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    if starts("http://") || starts("https://") || starts("www.") {
        let n = url_len(rest);
        let host = host_start(&rest[..n]);
        if n <= host {
            return None;
        }
        // Only a site name (no path, query or port) is read: www.google.com, https://abc.in/.
        let site = domain_len(t, &rest[host..n]).is_some_and(|d| rest[host + d..n].trim_end_matches('/').is_empty());
        return Some((if site { LinkKind::Domain } else { LinkKind::Url }, s + n));
    }
    if first == '@' {
        let n = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len() - 1);
        return (1..=HANDLE_MAX).contains(&n).then_some((LinkKind::Handle, s + 1 + n));
    }
    // E-mail: local part, @, domain.
    let local = rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')));
    if let Some(at) = local.filter(|&k| k > 0 && rest[k..].starts_with('@')) {
        let domain = &rest[at + 1..];
        let n = domain_any_len(domain);
        if n > 0 && domain[..n].contains('.') {
            return Some((LinkKind::Email, s + at + 1 + n));
        }
    }
    let n = domain_len(t, rest)?;
    if rest[n..].starts_with('/') {
        return Some((LinkKind::Url, s + n + url_len(&rest[n..])));
    }
    Some((LinkKind::Domain, s + n))
}

/// Returns where the host name of a URL starts: after the scheme's `//` and a `www.`.
fn host_start(url: &str) -> usize {
    let h = url.find("//").map_or(0, |k| k + 2);
    if url[h..].len() > 4 && url[h..h + 4].eq_ignore_ascii_case("www.") {
        h + 4
    } else {
        h
    }
}

/// Returns the length of a domain of any top-level domain (for e-mail addresses), ending in
/// a label of two or more letters, or 0.
fn domain_any_len(s: &str) -> usize {
    let n = s.find(|c: char| !(is_label_char(c) || c == '.')).unwrap_or(s.len());
    let d = s[..n].trim_end_matches(['.', '-']);
    match d.rsplit_once('.') {
        Some((head, tld)) if !head.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()) => {
            d.len()
        }
        _ => 0,
    }
}

/// Appends the reading of an address span `text` of kind `kind`.
pub(crate) fn read(t: &Tables, kind: LinkKind, text: &str, out: &mut Vec<String>) {
    match kind {
        LinkKind::Url => {}
        LinkKind::Domain => pieces(t, text[host_start(text)..].trim_end_matches('/'), out),
        LinkKind::Email => {
            let (local, domain) = text.split_once('@').unwrap_or((text, ""));
            pieces(t, local, out);
            sign(t, '@', out);
            pieces(t, domain, out);
        }
        LinkKind::Handle => {
            for part in text.trim_start_matches('@').split('_').filter(|p| !p.is_empty()) {
                piece(t, part, out);
            }
        }
    }
}

fn sign(t: &Tables, c: char, out: &mut Vec<String>) {
    if let Some((w, _)) = t.links.get(c.encode_utf8(&mut [0; 4]) as &str) {
        out.push(w.clone());
    }
}

/// Reads an address part: its pieces between separators, and the separators' names.
fn pieces(t: &Tables, text: &str, out: &mut Vec<String>) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if !c.is_ascii_alphanumeric() {
            piece(t, &text[start..i], out);
            sign(t, c, out);
            start = i + c.len_utf8();
        }
    }
    piece(t, &text[start..], out);
}

/// Reads one run of letters and digits: listed address words, then Latin words through the
/// Latin rules, digits as a number (digit by digit with a leading zero or more than four).
fn piece(t: &Tables, p: &str, out: &mut Vec<String>) {
    if p.is_empty() {
        return;
    }
    if let Some((w, _)) = t.links.get(&p.to_ascii_lowercase()) {
        out.push(w.clone());
        return;
    }
    let mut start = 0;
    let bytes = p.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit() {
            let run = &p[start..i];
            if run.bytes().all(|b| b.is_ascii_digit()) {
                match numbers::value(run) {
                    Some(v) if run.len() <= 4 && !(run.len() > 1 && run.starts_with('0')) => {
                        numbers::cardinal(t, v, out)
                    }
                    _ => numbers::digit_by_digit(t, run, out),
                }
            } else {
                latin::read(t, run, false, out);
            }
            start = i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tables::tables;

    fn kind_of(s: &str) -> Option<(LinkKind, &str)> {
        span(tables(), s, 0).map(|(k, e)| (k, &s[..e]))
    }

    #[test]
    fn spans_of_addresses() {
        assert_eq!(
            kind_of("https://www.example.com/news/123 पर"),
            Some((LinkKind::Url, "https://www.example.com/news/123"))
        );
        assert_eq!(kind_of("www.abc.in."), Some((LinkKind::Domain, "www.abc.in")));
        assert_eq!(kind_of("https://abc.in/ पर"), Some((LinkKind::Domain, "https://abc.in/")));
        assert_eq!(kind_of("https://abc.in:8080/"), Some((LinkKind::Url, "https://abc.in:8080/")));
        assert_eq!(kind_of("pic.twitter.com/AbC12 x"), Some((LinkKind::Url, "pic.twitter.com/AbC12")));
        assert_eq!(kind_of("aajtak.in पर"), Some((LinkKind::Domain, "aajtak.in")));
        assert_eq!(kind_of("t.co/x7Yz9"), Some((LinkKind::Url, "t.co/x7Yz9")));
        assert_eq!(kind_of("bit.ly/3abc?x=1,"), Some((LinkKind::Url, "bit.ly/3abc?x=1")));
        assert_eq!(kind_of("info@example.co.in।"), Some((LinkKind::Email, "info@example.co.in")));
        assert_eq!(kind_of("@PMOIndia ने"), Some((LinkKind::Handle, "@PMOIndia")));
    }

    #[test]
    fn dotted_abbreviations_are_not_domains() {
        for s in ["U.S.A.", "D.Phil.", "B.Com.", "Rs.10", "S.Jaishankar", "home.In", "@", "http://"] {
            assert_eq!(kind_of(s), None, "{s}");
        }
    }
}
