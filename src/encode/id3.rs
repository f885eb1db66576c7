//! An ID3v2.4 tag (<https://id3.org/id3v2.4.0-structure>, `-frames`) with the chapter
//! addendum (<https://id3.org/id3v2-chapters-1.0>): text frames in UTF-8, one `CHAP` per
//! chapter (times in milliseconds, no byte offsets) and a top-level ordered `CTOC`.

use super::Tags;

/// A 28-bit "syncsafe" integer (7 bits a byte), as ID3v2.4 sizes are.
fn syncsafe(n: u32) -> [u8; 4] {
    [(n >> 21) as u8 & 0x7f, (n >> 14) as u8 & 0x7f, (n >> 7) as u8 & 0x7f, n as u8 & 0x7f]
}

fn frame(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&syncsafe(body.len() as u32));
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(body);
}

fn text_frame(out: &mut Vec<u8>, id: &[u8; 4], text: &str) {
    if text.is_empty() {
        return;
    }
    let mut body = vec![3u8]; // UTF-8
    body.extend_from_slice(text.as_bytes());
    frame(out, id, &body);
}

/// Milliseconds of sample `s` at `rate`, rounded to nearest.
pub fn ms(s: u64, rate: u32) -> u32 {
    ((s * 1000 + rate as u64 / 2) / rate as u64).min(u32::MAX as u64) as u32
}

/// The whole tag (header included) for `tags`; chapter samples are at `rate`. At most 255
/// chapters are listed in the table of contents (its count is one byte); all get a `CHAP`.
pub fn tag(tags: &Tags, rate: u32) -> Vec<u8> {
    let mut f = Vec::new();
    text_frame(&mut f, b"TIT2", &tags.title);
    text_frame(&mut f, b"TPE1", &tags.artist);
    text_frame(&mut f, b"TPUB", &tags.artist);
    text_frame(&mut f, b"TDRC", &tags.date);
    text_frame(&mut f, b"TLAN", &tags.language);
    if !tags.comment.is_empty() {
        let mut body = vec![3u8];
        let lang = if tags.language.len() == 3 { tags.language.as_bytes() } else { b"und" };
        body.extend_from_slice(lang);
        body.push(0); // empty short description
        body.extend_from_slice(tags.comment.as_bytes());
        frame(&mut f, b"COMM", &body);
    }
    if !tags.chapters.is_empty() {
        let mut toc = b"toc\0".to_vec();
        toc.push(0x03); // top level, ordered
        let listed = tags.chapters.len().min(255);
        toc.push(listed as u8);
        for i in 0..listed {
            toc.extend_from_slice(format!("ch{}\0", i + 1).as_bytes());
        }
        frame(&mut f, b"CTOC", &toc);
        for (i, c) in tags.chapters.iter().enumerate() {
            let mut body = format!("ch{}\0", i + 1).into_bytes();
            body.extend_from_slice(&ms(c.start, rate).to_be_bytes());
            body.extend_from_slice(&ms(c.end, rate).to_be_bytes());
            body.extend_from_slice(&[0xff; 8]);
            text_frame(&mut body, b"TIT2", &c.title);
            frame(&mut f, b"CHAP", &body);
        }
    }
    let mut out = b"ID3\x04\x00\x00".to_vec();
    out.extend_from_slice(&syncsafe(f.len() as u32));
    out.extend_from_slice(&f);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::Chapter;

    #[test]
    fn syncsafe_sizes_and_chapters() {
        assert_eq!(syncsafe(257), [0, 0, 2, 1]);
        let tags = Tags {
            title: "समाचार".into(),
            chapters: vec![
                Chapter { title: "एक".into(), start: 0, end: 22050 },
                Chapter { title: "दो".into(), start: 22050, end: 33075 },
            ],
            ..Tags::default()
        };
        let t = tag(&tags, 22050);
        assert_eq!(&t[..5], b"ID3\x04\x00");
        let size = t[6..10].iter().fold(0u32, |a, &b| (a << 7) | b as u32) as usize;
        assert_eq!(size + 10, t.len());
        let chap = t.windows(4).position(|w| w == b"CHAP").unwrap();
        // second chapter: 1000 ms .. 1500 ms
        let second = chap + 1 + t[chap + 1..].windows(4).position(|w| w == b"CHAP").unwrap();
        let times = &t[second + 10 + 4..second + 10 + 12];
        assert_eq!(u32::from_be_bytes(times[..4].try_into().unwrap()), 1000);
        assert_eq!(u32::from_be_bytes(times[4..].try_into().unwrap()), 1500);
    }
}
