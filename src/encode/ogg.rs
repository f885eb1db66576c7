//! An Ogg page writer for one logical stream (RFC 3533), as Ogg Opus needs it (RFC 7845).
//!
//! A page is `OggS`, version 0, a flags byte (0x01 continued packet, 0x02 first page, 0x04
//! last page), the granule position (64-bit little-endian), the stream serial number, the
//! page sequence number, a CRC-32 (polynomial 0x04C11DB7, initial value 0, no reflection,
//! no final inversion, computed over the whole page with the CRC field zero), the number of
//! segments and the lacing table, then the packet data (RFC 3533 §6). A packet of `n`
//! bytes is laced as `n / 255` segments of 255 and one of `n % 255` (possibly 0), so that
//! a reader can tell where it ends; a page holds at most 255 segments and a packet that
//! does not fit continues on the next page. A page's granule position is the one of the
//! last packet that ends on it, or −1 if none does.
//!
//! [`OggWriter`] keeps the page being filled in memory (at most 255 × 255 bytes) and
//! writes it out when it is full, when it holds [`PAGE_GRANULE`] of audio, or when asked:
//! memory does not grow with the stream.

use std::io::{self, Write};

/// Audio a page holds before it is written out, in granule units (for Opus, 48 kHz
/// samples: one second, the longest a player waits for a page to complete).
pub const PAGE_GRANULE: u64 = 48_000;

/// The CRC-32 table for the Ogg polynomial 0x04C11DB7 (MSB first).
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000_0000 != 0 { (c << 1) ^ 0x04c1_1db7 } else { c << 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Returns the Ogg CRC-32 of `data` (RFC 3533 §6: initial value 0, no final inversion).
pub fn crc32(data: &[u8]) -> u32 {
    crc32_update(0, data)
}

/// Continues an Ogg CRC-32 over more bytes.
pub fn crc32_update(mut c: u32, data: &[u8]) -> u32 {
    for &b in data {
        c = (c << 8) ^ CRC_TABLE[((c >> 24) as u8 ^ b) as usize];
    }
    c
}

/// Writes the pages of one logical Ogg stream into `out`.
pub struct OggWriter<W: Write> {
    out: W,
    serial: u32,
    sequence: u32,
    /// Lacing values of the page being filled.
    lacing: Vec<u8>,
    /// Its data.
    body: Vec<u8>,
    /// Granule position of the last packet that ended on it (−1: none yet).
    granule: i64,
    /// Granule position at the end of the previous page.
    page_start: u64,
    /// The page being filled begins with the rest of a packet.
    continued: bool,
    /// No page has been written yet (the next one gets the first-page flag).
    first: bool,
    /// Bytes written so far.
    written: u64,
}

impl<W: Write> OggWriter<W> {
    /// Starts a stream with this serial number; its first page gets sequence number `sequence`
    /// (0 for a whole stream).
    pub fn new(out: W, serial: u32, sequence: u32) -> OggWriter<W> {
        OggWriter {
            out,
            serial,
            sequence,
            lacing: Vec::with_capacity(255),
            body: Vec::with_capacity(1 << 14),
            granule: -1,
            page_start: 0,
            continued: false,
            first: sequence == 0,
            written: 0,
        }
    }

    /// The writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Returns the writer (the page being filled, if any, is dropped: call
    /// [`OggWriter::finish`] to end a stream).
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Returns the number of pages written or begun so far: the next page's sequence number.
    pub fn next_sequence(&self) -> u32 {
        self.sequence
    }

    /// Sets the sequence number of the next page (before any page is written: the pages
    /// before it went out elsewhere).
    pub fn set_sequence(&mut self, sequence: u32) {
        self.sequence = sequence;
        self.first = sequence == 0;
    }

    /// Returns the bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Adds a packet that ends at granule position `granule`. Writes the pages it fills
    /// (and first the page being filled if it already holds [`PAGE_GRANULE`] of audio).
    pub fn packet(&mut self, data: &[u8], granule: u64) -> io::Result<()> {
        if self.granule >= 0 && (self.granule as u64).saturating_sub(self.page_start) >= PAGE_GRANULE {
            self.flush_page(false)?;
        }
        self.lace(data, granule)
    }

    /// Adds packets that must share the last page (RFC 7845 §4.4: the samples the final
    /// granule position trims must lie in the last page), then writes it as the last page.
    /// `granules[i]` is where packet `i` ends.
    pub fn finish_with(mut self, packets: &[&[u8]], granules: &[u64]) -> io::Result<W> {
        let segments: usize = packets.iter().map(|p| p.len() / 255 + 1).sum();
        if !self.lacing.is_empty() && self.lacing.len() + segments > 255 {
            self.flush_page(false)?;
        }
        for (p, &g) in packets.iter().zip(granules) {
            self.lace(p, g)?;
        }
        self.flush_page(true)?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Writes the page being filled, if it has any data, so that a reader gets it now.
    pub fn flush(&mut self) -> io::Result<()> {
        if !self.lacing.is_empty() {
            self.flush_page(false)?;
        }
        self.out.flush()
    }

    fn lace(&mut self, data: &[u8], granule: u64) -> io::Result<()> {
        let mut rest = data;
        let mut started = false;
        loop {
            if self.lacing.len() == 255 {
                self.flush_page(false)?;
                // The next page begins inside this packet only if part of it is already out.
                self.continued = started;
            }
            started = true;
            let n = rest.len().min(255);
            self.lacing.push(n as u8);
            self.body.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if n < 255 {
                break;
            }
        }
        self.granule = granule as i64;
        Ok(())
    }

    /// Writes the page being filled (even an empty one) and starts the next.
    pub fn flush_page(&mut self, last: bool) -> io::Result<()> {
        let mut flags = 0u8;
        if self.continued {
            flags |= 0x01;
        }
        if self.first {
            flags |= 0x02;
        }
        if last {
            flags |= 0x04;
        }
        let mut head = Vec::with_capacity(27 + self.lacing.len());
        head.extend_from_slice(b"OggS");
        head.push(0);
        head.push(flags);
        head.extend_from_slice(&self.granule.to_le_bytes());
        head.extend_from_slice(&self.serial.to_le_bytes());
        head.extend_from_slice(&self.sequence.to_le_bytes());
        head.extend_from_slice(&[0; 4]);
        head.push(self.lacing.len() as u8);
        head.extend_from_slice(&self.lacing);
        let crc = crc32_update(crc32(&head), &self.body);
        head[22..26].copy_from_slice(&crc.to_le_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(&self.body)?;
        self.written += (head.len() + self.body.len()) as u64;
        self.sequence += 1;
        self.first = false;
        self.continued = false;
        if self.granule >= 0 {
            self.page_start = self.granule as u64;
        }
        self.granule = -1;
        self.lacing.clear();
        self.body.clear();
        Ok(())
    }
}

/// Copies the pages of a stream from `src` to `dst`, adding `delta` to every page sequence
/// number and recomputing the CRCs; checks each page's capture pattern and CRC on the way.
/// Returns the bytes copied. Used when the pages before them turn out to be more than were
/// counted on (a long comment header).
pub fn copy_renumbered(src: &mut impl io::Read, dst: &mut impl Write, delta: u32) -> io::Result<u64> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("Ogg page: {what}"));
    let mut head = [0u8; 27];
    let mut lacing = [0u8; 255];
    let mut body = vec![0u8; 255 * 255];
    let mut copied = 0u64;
    loop {
        match read_full(src, &mut head)? {
            0 => return Ok(copied),
            27 => {}
            _ => return Err(bad("truncated header")),
        }
        if &head[..4] != b"OggS" {
            return Err(bad("no capture pattern"));
        }
        let nseg = head[26] as usize;
        if read_full(src, &mut lacing[..nseg])? != nseg {
            return Err(bad("truncated lacing table"));
        }
        let len: usize = lacing[..nseg].iter().map(|&l| l as usize).sum();
        if read_full(src, &mut body[..len])? != len {
            return Err(bad("truncated data"));
        }
        let stored = u32::from_le_bytes(head[22..26].try_into().unwrap_or_default());
        head[22..26].fill(0);
        let crc = crc32_update(crc32_update(crc32(&head), &lacing[..nseg]), &body[..len]);
        if crc != stored {
            return Err(bad("CRC mismatch"));
        }
        let seq = u32::from_le_bytes(head[18..22].try_into().unwrap_or_default()).wrapping_add(delta);
        head[18..22].copy_from_slice(&seq.to_le_bytes());
        let crc = crc32_update(crc32_update(crc32(&head), &lacing[..nseg]), &body[..len]);
        head[22..26].copy_from_slice(&crc.to_le_bytes());
        dst.write_all(&head)?;
        dst.write_all(&lacing[..nseg])?;
        dst.write_all(&body[..len])?;
        copied += (27 + nseg + len) as u64;
    }
}

fn read_full(src: &mut impl io::Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match src.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// One page as read back (for tests and checks).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Flags byte.
    pub flags: u8,
    /// Granule position.
    pub granule: i64,
    /// Serial number.
    pub serial: u32,
    /// Sequence number.
    pub sequence: u32,
    /// Lacing values.
    pub lacing: Vec<u8>,
    /// Data.
    pub body: Vec<u8>,
}

/// Splits a whole stream into pages, checking each CRC; the error says which page is bad.
pub fn pages(mut data: &[u8]) -> Result<Vec<Page>, String> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let i = out.len();
        if data.len() < 27 || &data[..4] != b"OggS" || data[4] != 0 {
            return Err(format!("page {i}: no Ogg page header"));
        }
        let nseg = data[26] as usize;
        let lacing = data.get(27..27 + nseg).ok_or(format!("page {i}: truncated"))?.to_vec();
        let len: usize = lacing.iter().map(|&l| l as usize).sum();
        let end = 27 + nseg + len;
        let page = data.get(..end).ok_or(format!("page {i}: truncated"))?;
        let mut zeroed = page.to_vec();
        zeroed[22..26].fill(0);
        let stored = u32::from_le_bytes([page[22], page[23], page[24], page[25]]);
        if crc32(&zeroed) != stored {
            return Err(format!("page {i}: CRC mismatch"));
        }
        let le64 = |b: &[u8]| i64::from_le_bytes(b.try_into().unwrap_or_default());
        let le32 = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or_default());
        out.push(Page {
            flags: page[5],
            granule: le64(&page[6..14]),
            serial: le32(&page[14..18]),
            sequence: le32(&page[18..22]),
            lacing,
            body: page[27 + nseg..].to_vec(),
        });
        data = &data[end..];
    }
    Ok(out)
}

/// Joins the pages' segments back into packets (a packet ends at a lacing value below 255).
pub fn packets(pages: &[Page]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for p in pages {
        let mut at = 0;
        for &l in &p.lacing {
            cur.extend_from_slice(&p.body[at..at + l as usize]);
            at += l as usize;
            if l < 255 {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_check_value_of_crc32_mpeg2_without_inversion() {
        // CRC-32/MPEG-2 ("123456789") is 0x0376E6E7 with initial value 0xFFFFFFFF; with
        // initial value 0 and no final XOR (Ogg's), the check value is 0x89A1897F.
        assert_eq!(crc32(b"123456789"), 0x89a1_897f);
    }

    #[test]
    fn packets_are_laced_and_span_pages() {
        let mut w = OggWriter::new(Vec::new(), 7, 0);
        w.packet(&[1; 19], 0).unwrap();
        w.flush_page(false).unwrap();
        // 255 bytes: two lacing values (255, 0); 70 000 bytes spans two pages.
        w.packet(&[2; 255], 0).unwrap();
        w.packet(&vec![3; 70_000], 0).unwrap();
        let out = w.finish_with(&[&[4; 10]], &[960]).unwrap();
        let p = pages(&out).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].flags, 0x02);
        assert_eq!(p[1].flags, 0x00);
        assert_eq!(p[1].lacing.len(), 255);
        assert_eq!(&p[1].lacing[..3], &[255, 0, 255]);
        assert_eq!(p[1].granule, 0, "the 255-byte packet ends on page 1");
        assert_eq!(p[2].flags, 0x05, "continued and last");
        assert_eq!(p[2].granule, 960);
        assert_eq!(p.iter().map(|p| p.sequence).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(p.iter().all(|p| p.serial == 7));
        let pk = packets(&p);
        assert_eq!(pk.iter().map(Vec::len).collect::<Vec<_>>(), [19, 255, 70_000, 10]);
    }

    #[test]
    fn renumbering_keeps_the_data_and_fixes_the_crc() {
        let mut w = OggWriter::new(Vec::new(), 9, 2);
        w.packet(&[5; 300], 960).unwrap();
        let out = w.finish_with(&[&[6; 3]], &[1920]).unwrap();
        let mut moved = Vec::new();
        copy_renumbered(&mut &out[..], &mut moved, 3).unwrap();
        let p = pages(&moved).unwrap();
        assert_eq!(p[0].sequence, 5);
        assert_eq!(packets(&p), packets(&pages(&out).unwrap()));
        let mut bad = out.clone();
        bad[40] ^= 1;
        assert!(copy_renumbered(&mut &bad[..], &mut Vec::new(), 1).is_err());
    }
}
