//! Playback through the default audio output (rodio over cpal), as a [`Sink`](crate::render::Sink).
//!
//! Speech starts as soon as the first sentence arrives. Because synthesis runs far ahead
//! of real time, [`Player`] blocks the renderer once a few sentences are queued, so
//! memory holds a window of audio, never the whole text.

#[cfg(feature = "play")]
pub use imp::Player;
#[cfg(not(feature = "play"))]
pub use stub::Player;

#[cfg(feature = "play")]
mod imp {
    use std::time::Duration;

    use rodio::buffer::SamplesBuffer;
    use rodio::{OutputStream, OutputStreamBuilder};

    use crate::render::{Sink, Unit};
    use crate::{Error, Result};

    /// How many queued sounds (sentences and pauses) may wait ahead of the one playing.
    const MAX_QUEUED: usize = 8;

    /// Plays rendered audio on the default output device.
    pub struct Player {
        // Field order matters: the sink must stop before the stream closes.
        sink: rodio::Sink,
        _stream: OutputStream,
        sample_rate: u32,
    }

    impl std::fmt::Debug for Player {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Player").field("sample_rate", &self.sample_rate).finish()
        }
    }

    impl Player {
        /// Opens the default audio output device, or fails with [`Error::Audio`] (e.g. on a
        /// machine without one).
        pub fn open(sample_rate: u32) -> Result<Player> {
            let mut stream = quiet_stderr(OutputStreamBuilder::open_default_stream)
                .map_err(|e| Error::Audio { problem: format!("no usable audio output device ({e})") })?;
            stream.log_on_drop(false);
            let sink = rodio::Sink::connect_new(stream.mixer());
            Ok(Player { sink, _stream: stream, sample_rate })
        }

        fn enqueue(&mut self, samples: Vec<f32>) {
            while self.sink.len() >= MAX_QUEUED {
                std::thread::sleep(Duration::from_millis(20));
            }
            self.sink.append(SamplesBuffer::new(1, self.sample_rate, samples));
        }

        /// Blocks until everything queued has been played.
        pub fn finish(self) {
            self.sink.sleep_until_end();
        }
    }

    /// Runs `f` with the process's stderr pointed at /dev/null: libasound prints a dozen
    /// lines of configuration errors on a machine without a sound card, which would bury
    /// our one-line error. Runs before rendering starts, when no other thread writes.
    #[cfg(unix)]
    fn quiet_stderr<T>(f: impl FnOnce() -> T) -> T {
        // SAFETY: plain fd calls on fds we own; fd 2 is restored before returning.
        unsafe {
            let saved = libc::dup(2);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if saved < 0 || null < 0 {
                if saved >= 0 {
                    libc::close(saved);
                }
                if null >= 0 {
                    libc::close(null);
                }
                return f();
            }
            libc::dup2(null, 2);
            libc::close(null);
            // Restore stderr even if the audio backend panics, then let the panic go on.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            libc::dup2(saved, 2);
            libc::close(saved);
            r.unwrap_or_else(|p| std::panic::resume_unwind(p))
        }
    }

    #[cfg(not(unix))]
    fn quiet_stderr<T>(f: impl FnOnce() -> T) -> T {
        f()
    }

    impl Sink for Player {
        fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> Result<()> {
            if !samples.is_empty() {
                self.enqueue(samples.to_vec());
            }
            Ok(())
        }
        fn silence(&mut self, _: u64, len: u64) -> Result<()> {
            if len > 0 {
                self.enqueue(vec![0.0; len as usize]);
            }
            Ok(())
        }
    }
}

#[cfg(not(feature = "play"))]
mod stub {
    use crate::render::{Sink, Unit};
    use crate::{Error, Result};

    /// Stands in for the player in builds without the `play` feature: it cannot be opened.
    #[derive(Debug)]
    pub struct Player {
        _never: std::convert::Infallible,
    }

    impl Player {
        /// Fails: this build has no playback support.
        pub fn open(_sample_rate: u32) -> Result<Player> {
            Err(Error::Other(
                "this samachar was built without playback; rebuild with `cargo build --release --features play`".into(),
            ))
        }

        /// Blocks until everything queued has been played.
        pub fn finish(self) {}
    }

    impl Sink for Player {
        fn unit(&mut self, _: usize, _: &Unit, _: u64, _: &[f32]) -> Result<()> {
            Ok(())
        }
        fn silence(&mut self, _: u64, _: u64) -> Result<()> {
            Ok(())
        }
    }
}
