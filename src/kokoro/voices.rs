//! Kokoro's voices file: a NumPy archive (`.npz`, a zip of `.npy` arrays), one float32
//! array [510, 1, 256] per voice: the style vector to use for a text of n tokens is row n−1.
//! Also the `NAME*w+NAME*w` mixing syntax.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Rows (token counts) and width of one voice's style table.
pub const ROWS: usize = 510;
/// Width of a style vector.
pub const STYLE: usize = 256;

/// A voice: ROWS × STYLE floats, row-major.
pub type StyleTable = Vec<f32>;

/// Reads every voice of a `.npz` archive.
pub fn read_npz(path: &Path) -> crate::Result<BTreeMap<String, StyleTable>> {
    let bad = |problem: String| crate::Error::Voice { file: path.display().to_string(), problem };
    let file = std::fs::File::open(path).map_err(|err| crate::Error::Io { path: path.into(), err })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("not a NumPy archive (.npz): {e}")))?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| bad(format!("unreadable member {i}: {e}")))?;
        let name = entry.name().to_string();
        let Some(voice) = name.strip_suffix(".npy") else { continue };
        if entry.size() > 64 << 20 {
            return Err(bad(format!("{name}: {} bytes is too large for a style table", entry.size())));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(|e| bad(format!("{name}: {e}")))?;
        let table = read_npy(&bytes).map_err(|p| bad(format!("{name}: {p}")))?;
        out.insert(voice.to_string(), table);
    }
    if out.is_empty() {
        return Err(bad("no voices (.npy arrays) in the archive".into()));
    }
    Ok(out)
}

/// Lists the voice names of a `.npz` archive (its `NAME.npy` members) from the zip index,
/// without reading the arrays.
pub fn list_npz(path: &Path) -> crate::Result<Vec<String>> {
    let bad = |problem: String| crate::Error::Voice { file: path.display().to_string(), problem };
    let file = std::fs::File::open(path).map_err(|err| crate::Error::Io { path: path.into(), err })?;
    let zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("not a NumPy archive (.npz): {e}")))?;
    Ok(zip.file_names().filter_map(|n| n.strip_suffix(".npy")).map(str::to_string).collect())
}

/// Parses one `.npy` array of little-endian float32, C order, shape [510, 1, 256] or [510, 256].
pub fn read_npy(bytes: &[u8]) -> Result<StyleTable, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy array (no \\x93NUMPY magic)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(format!(".npy format version {v} is not supported")),
    };
    let header = bytes
        .get(start..start + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("truncated or non-text .npy header")?;
    let compact: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    if !compact.contains("'descr':'<f4'") {
        return Err(format!("dtype must be little-endian float32 ('<f4'): header {}", header.trim()));
    }
    if !compact.contains("'fortran_order':False") {
        return Err("Fortran-order arrays are not supported".into());
    }
    let shape =
        compact.split("'shape':(").nth(1).and_then(|s| s.split(')').next()).ok_or("no shape in the .npy header")?;
    let dims: Vec<usize> = shape
        .split(',')
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().map_err(|_| ()))
        .collect::<Result<_, _>>()
        .map_err(|_| format!("bad shape ({shape})"))?;
    if !(dims == [ROWS, 1, STYLE] || dims == [ROWS, STYLE]) {
        return Err(format!("shape ({shape}) is not ({ROWS}, 1, {STYLE})"));
    }
    let data = &bytes[start + header_len..];
    if data.len() != ROWS * STYLE * 4 {
        return Err(format!("{} data bytes, expected {}", data.len(), ROWS * STYLE * 4));
    }
    let v: Vec<f32> = data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(format!("value {i} is not finite"));
    }
    Ok(v)
}

/// Parses a voice spec: `NAME` or a mix `NAME*W+NAME*W…` (weights positive; a bare NAME in a
/// mix weighs 1). Weights are used as given (Kokoro's users write them to sum to 1).
pub fn parse_spec(spec: &str) -> Result<Vec<(String, f32)>, String> {
    let mut out = Vec::new();
    for part in spec.split('+') {
        let part = part.trim();
        let (name, w) = match part.split_once('*') {
            Some((n, w)) => {
                let w: f32 = w.trim().parse().map_err(|_| format!("'{}' is not a weight in '{spec}'", w.trim()))?;
                (n.trim(), w)
            }
            None => (part, 1.0),
        };
        if name.is_empty() {
            return Err(format!("empty voice name in 'kokoro:{spec}'"));
        }
        if !(w.is_finite() && w > 0.0) {
            return Err(format!("weight {w} of {name} must be a positive number"));
        }
        out.push((name.to_string(), w));
    }
    Ok(out)
}

/// Mixes voices: the weighted sum of their style tables.
pub fn mix(voices: &BTreeMap<String, StyleTable>, spec: &[(String, f32)]) -> Result<StyleTable, String> {
    let mut out = vec![0.0f32; ROWS * STYLE];
    for (name, w) in spec {
        let t = voices.get(name).ok_or_else(|| {
            format!(
                "unknown Kokoro voice '{name}' (installed: {})",
                voices.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })?;
        for (o, x) in out.iter_mut().zip(t) {
            *o += w * x;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(shape: &str, n: usize) -> Vec<u8> {
        let mut h = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend((h.len() as u16).to_le_bytes());
        b.extend(h.as_bytes());
        for i in 0..n {
            b.extend((i as f32).to_le_bytes());
        }
        b
    }

    #[test]
    fn npy_reader_reads_values_and_rejects_wrong_shape() {
        let t = read_npy(&npy("(510, 1, 256)", ROWS * STYLE)).unwrap();
        assert_eq!(t[STYLE + 3], (STYLE + 3) as f32);
        assert!(read_npy(&npy("(2, 256)", 512)).unwrap_err().contains("shape"));
        assert!(read_npy(b"nope").is_err());
    }

    #[test]
    fn mix_spec_parses_weights_and_rejects_bad_ones() {
        assert_eq!(parse_spec("a*0.6+b*0.4").unwrap(), vec![("a".into(), 0.6), ("b".into(), 0.4)]);
        assert_eq!(parse_spec("jm_kumo").unwrap(), vec![("jm_kumo".into(), 1.0)]);
        assert!(parse_spec("a*x").is_err());
        assert!(parse_spec("a*-1").is_err());
        assert!(parse_spec("a+").is_err());
    }
}
