//! How long a piece of audio is, read from the file itself: WAV (its format chunk and data
//! size), FLAC (STREAMINFO's sample count), MP3 (every frame header walked, so variable bit
//! rates are exact) and raw PCM as OpenAI's speech API returns it (24 kHz, 16-bit, mono).
//! Transcription is billed by the second and estimated from this; speech priced by the second
//! is billed from the audio it returned. Nothing is decoded.

use crate::error::{CoreError, Result};

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioFormat {
    /// RIFF/WAVE.
    Wav,
    /// FLAC.
    Flac,
    /// MPEG-1/2/2.5 layer III.
    Mp3,
    /// Signed 16-bit little-endian mono at 24 kHz (OpenAI's `pcm`).
    Pcm24k,
}

impl AudioFormat {
    /// The format a file name's extension names, when it is one read here.
    pub fn from_name(name: &str) -> Option<AudioFormat> {
        let ext = name.rsplit('.').next()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "wav" | "wave" => AudioFormat::Wav,
            "flac" => AudioFormat::Flac,
            "mp3" | "mpga" | "mpeg" => AudioFormat::Mp3,
            "pcm" => AudioFormat::Pcm24k,
            _ => return None,
        })
    }

    /// The format the bytes start like.
    fn sniff(b: &[u8]) -> Option<AudioFormat> {
        if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WAVE" {
            Some(AudioFormat::Wav)
        } else if b.starts_with(b"fLaC") {
            Some(AudioFormat::Flac)
        } else if b.starts_with(b"ID3") || (b.len() > 1 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0) {
            Some(AudioFormat::Mp3)
        } else {
            None
        }
    }
}

fn unreadable(why: impl Into<String>) -> CoreError {
    CoreError::invalid("audio", why.into())
}

/// The audio's length in milliseconds. `hint` (the file name's format) is used when the bytes
/// do not say (raw PCM).
pub fn duration_ms(bytes: &[u8], hint: Option<AudioFormat>) -> Result<u64> {
    match AudioFormat::sniff(bytes).or(hint) {
        Some(AudioFormat::Wav) => wav(bytes),
        Some(AudioFormat::Flac) => flac(bytes),
        Some(AudioFormat::Mp3) => mp3(bytes),
        Some(AudioFormat::Pcm24k) => Ok(bytes.len() as u64 * 1000 / 48_000),
        None => Err(unreadable(
            "cannot read this audio's length: PromptLedger reads WAV, FLAC, MP3 and PCM",
        )),
    }
}

/// Whole seconds, rounded to the nearest (how OpenAI bills transcription), at least 1 for any
/// audio at all.
pub fn billed_seconds(ms: u64) -> u64 {
    if ms == 0 {
        0
    } else {
        ((ms + 500) / 1000).max(1)
    }
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn wav(b: &[u8]) -> Result<u64> {
    let mut at = 12;
    let mut byte_rate = None;
    while let (Some(id), Some(size)) = (b.get(at..at + 4), le32(b, at + 4)) {
        let body = at + 8;
        match id {
            b"fmt " => byte_rate = le32(b, body + 8),
            b"data" => {
                let rate = byte_rate.filter(|r| *r > 0).ok_or_else(|| {
                    unreadable("this WAV file has no format chunk before its data")
                })?;
                // A streamed WAV may say 0xFFFFFFFF: the data then runs to the end.
                let size = u64::from(size).min((b.len() - body.min(b.len())) as u64);
                return Ok(size * 1000 / u64::from(rate));
            }
            _ => {}
        }
        at = body + size as usize + (size as usize & 1);
    }
    Err(unreadable("this WAV file has no data chunk"))
}

fn flac(b: &[u8]) -> Result<u64> {
    // STREAMINFO is the first metadata block: sample rate (20 bits) and total samples (36 bits)
    // start 10 bytes into its body.
    let s = b
        .get(8..26)
        .ok_or_else(|| unreadable("this FLAC file is cut short"))?;
    let info = &s[10..18];
    let rate = (u32::from(info[0]) << 12) | (u32::from(info[1]) << 4) | (u32::from(info[2]) >> 4);
    let samples = (u64::from(info[3] & 0x0F) << 32)
        | (u64::from(info[4]) << 24)
        | (u64::from(info[5]) << 16)
        | (u64::from(info[6]) << 8)
        | u64::from(info[7]);
    if rate == 0 || samples == 0 {
        return Err(unreadable("this FLAC file does not say how long it is"));
    }
    Ok(samples * 1000 / u64::from(rate))
}

fn mp3(b: &[u8]) -> Result<u64> {
    let mut at = 0;
    if b.starts_with(b"ID3") && b.len() >= 10 {
        let size = b[6..10]
            .iter()
            .fold(0usize, |acc, x| (acc << 7) | usize::from(x & 0x7F));
        at = 10 + size;
    }
    // Bit rates (kbit/s) by version group and index; sample rates by version.
    const V1: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let mut micros: u64 = 0;
    let mut frames = 0u64;
    while at + 4 <= b.len() {
        let h = &b[at..at + 4];
        if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
            at += 1;
            continue;
        }
        let version = (h[1] >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
        let layer = (h[1] >> 1) & 3; // 1 = layer III
        let rate_i = usize::from(h[2] >> 4);
        let sr_i = usize::from((h[2] >> 2) & 3);
        if version == 1 || layer != 1 || rate_i == 0 || rate_i == 15 || sr_i == 3 {
            at += 1;
            continue;
        }
        let base = [44_100u32, 48_000, 32_000][sr_i];
        let sample_rate = match version {
            3 => base,
            2 => base / 2,
            _ => base / 4,
        };
        let (kbps, per_frame) = if version == 3 {
            (V1[rate_i], 1152u32)
        } else {
            (V2[rate_i], 576u32)
        };
        let padding = u32::from((h[2] >> 1) & 1);
        let len = (per_frame / 8 * kbps * 1000 / sample_rate + padding) as usize;
        if len < 4 {
            at += 1;
            continue;
        }
        micros += u64::from(per_frame) * 1_000_000 / u64::from(sample_rate);
        frames += 1;
        at += len;
    }
    if frames == 0 {
        return Err(unreadable("no MP3 frames found in this file"));
    }
    Ok(micros / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV of `ms` milliseconds of silence at 16 kHz, 16-bit mono (the fake servers' own).
    fn wav_of(ms: u64) -> Vec<u8> {
        promptledger_testkit::operations::wav(ms)
    }

    #[test]
    fn wav_pcm_and_rounding() {
        assert_eq!(duration_ms(&wav_of(61_500), None).unwrap(), 61_500);
        assert_eq!(billed_seconds(61_500), 62);
        assert_eq!(billed_seconds(61_499), 61);
        assert_eq!(billed_seconds(200), 1);
        assert_eq!(
            duration_ms(&vec![0; 48_000 * 3], Some(AudioFormat::Pcm24k)).unwrap(),
            3_000
        );
        assert!(duration_ms(b"hello", None).is_err());
        assert!(duration_ms(b"RIFF\0\0\0\0WAVE", None).is_err());
    }

    #[test]
    fn mp3_frames_are_counted() {
        // 100 MPEG-1 layer III frames, 128 kbit/s, 44.1 kHz: 417 bytes each, 26.12 ms each.
        let frame = {
            let mut f = vec![0xFF, 0xFB, 0x90, 0x64];
            f.resize(417, 0);
            f
        };
        let b: Vec<u8> = std::iter::repeat_n(frame, 100).flatten().collect();
        let ms = duration_ms(&b, None).unwrap();
        assert!((2_600..=2_620).contains(&ms), "{ms}");
    }

    #[test]
    fn flac_streaminfo() {
        let mut b = b"fLaC".to_vec();
        b.extend_from_slice(&[0x80, 0, 0, 34]);
        let mut info = vec![0u8; 34];
        // 44,100 Hz, 2 channels, 16 bits, 441,000 samples (10 s).
        let rate: u32 = 44_100;
        info[10] = (rate >> 12) as u8;
        info[11] = (rate >> 4) as u8;
        info[12] = ((rate & 0xF) << 4) as u8 | (1 << 1);
        info[13] = 0xF0;
        let n: u64 = 441_000;
        info[14] = (n >> 24) as u8;
        info[15] = (n >> 16) as u8;
        info[16] = (n >> 8) as u8;
        info[17] = n as u8;
        b.extend_from_slice(&info);
        assert_eq!(duration_ms(&b, None).unwrap(), 10_000);
    }
}
