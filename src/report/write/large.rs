//! Files of gigabytes, written in large aligned blocks by a thread of their own: the producer fills the next
//! block while the previous one is written. On Linux the file is opened with `O_DIRECT` where the file system
//! allows it, so that the blocks go to the device without a copy into the page cache; a file system that
//! refuses direct writes, at open or later, gets ordinary writes from that point on.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Bytes in a block: a multiple of every device's logical block size.
const BLOCK: usize = 8 << 20;
/// Alignment of the memory, the offsets and the lengths of direct writes.
const ALIGN: usize = 4096;
/// Blocks in flight: one being filled, one queued, one being written.
const BLOCKS: usize = 3;

/// A writer that can also lend room at the end of what it has been given, to be filled in place: bytes
/// rendered in parallel into it are not copied again.
pub trait Render: Write {
    /// Writes `len` bytes that `fill` puts into the room it is given (all of it).
    fn render(&mut self, len: usize, fill: &mut dyn FnMut(&mut [u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        let mut room = vec![0; len];
        fill(&mut room)?;
        self.write_all(&room)
    }
}

impl Render for Vec<u8> {}

/// Writes `path` with what `produce` writes, then syncs it.
pub fn write(
    path: &Path,
    produce: impl FnOnce(&mut (dyn Render + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_to(Sink::open(path, true)?, produce)
}

fn write_to(
    mut sink: Sink,
    produce: impl FnOnce(&mut (dyn Render + Send)) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let (full_tx, full_rx) = sync_channel::<Block>(1);
    let (empty_tx, empty_rx) = sync_channel::<Block>(BLOCKS);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> std::io::Result<Sink> {
            for mut block in full_rx {
                sink.write(block.data())?;
                block.len = 0;
                let _ = empty_tx.send(block);
            }
            Ok(sink)
        });
        let mut blocks = Blocks {
            current: Block::new(BLOCK),
            full: Some(full_tx),
            empty: empty_rx,
            unallocated: BLOCKS - 1,
        };
        let produced = produce(&mut blocks).and_then(|()| blocks.finish());
        drop(blocks);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the writing thread stopped")));
        // A failed write stops the producer too: the write's error is the cause.
        let sink = written?;
        produced?;
        sink.file.sync_all()
    })
}

/// A buffer of at least [`BLOCK`] bytes starting at an [`ALIGN`]ed address.
struct Block {
    memory: Vec<u8>,
    start: usize,
    /// Bytes it can hold from `start`.
    capacity: usize,
    len: usize,
}

impl Block {
    fn new(capacity: usize) -> Block {
        let capacity = capacity.max(BLOCK).div_ceil(ALIGN) * ALIGN;
        let memory = vec![0u8; capacity + ALIGN];
        // An address that cannot be aligned (never seen) only makes direct writes refused, then ordinary.
        let start = memory.as_ptr().align_offset(ALIGN).min(ALIGN);
        Block {
            memory,
            start,
            capacity,
            len: 0,
        }
    }

    fn data(&self) -> &[u8] {
        self.memory.get(self.start..self.start + self.len).unwrap_or_default()
    }

    fn room(&mut self) -> &mut [u8] {
        self.memory
            .get_mut(self.start + self.len..self.start + self.capacity)
            .unwrap_or_default()
    }
}

/// The producer's side: fills blocks and hands the full ones to the writing thread.
struct Blocks {
    current: Block,
    full: Option<SyncSender<Block>>,
    empty: Receiver<Block>,
    unallocated: usize,
}

impl Blocks {
    /// An empty block of at least `capacity` bytes: a written one back from the writing thread, or a new one.
    fn next_block(&mut self, capacity: usize) -> std::io::Result<Block> {
        let block = match self.empty.try_recv() {
            Ok(block) => block,
            Err(_) if self.unallocated > 0 => {
                self.unallocated -= 1;
                return Ok(Block::new(capacity));
            }
            Err(_) => self.empty.recv().map_err(|_| stopped())?,
        };
        Ok(if block.capacity < capacity {
            Block::new(capacity)
        } else {
            block
        })
    }

    /// Hands the current block over to the writing thread, but for its last bytes past a multiple of
    /// [`ALIGN`] (direct writes are whole multiples of it), which start the next block; that one has room for
    /// `more` bytes after them.
    fn send(&mut self, more: usize) -> std::io::Result<()> {
        let keep = self.current.len % ALIGN;
        let mut next = self.next_block(keep + more)?;
        let tail = self.current.data().get(self.current.len - keep..).unwrap_or_default();
        next.room().get_mut(..keep).unwrap_or_default().copy_from_slice(tail);
        next.len = keep;
        let mut full = std::mem::replace(&mut self.current, next);
        full.len -= keep;
        if full.len == 0 {
            // (Nothing to write: the block is freed, and another one may be made in its place.)
            self.unallocated += 1;
            return Ok(());
        }
        self.full
            .as_ref()
            .ok_or_else(stopped)?
            .send(full)
            .map_err(|_| stopped())
    }

    /// Hands over the last, partial block and ends the stream.
    fn finish(&mut self) -> std::io::Result<()> {
        if self.current.len > 0 {
            let last = std::mem::replace(
                &mut self.current,
                Block {
                    memory: Vec::new(),
                    start: 0,
                    capacity: 0,
                    len: 0,
                },
            );
            self.full
                .as_ref()
                .ok_or_else(stopped)?
                .send(last)
                .map_err(|_| stopped())?;
        }
        self.full = None;
        Ok(())
    }
}

fn stopped() -> std::io::Error {
    std::io::Error::other("the writing thread stopped")
}

impl Write for Blocks {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.current.room();
        let n = room.len().min(buf.len());
        room[..n].copy_from_slice(&buf[..n]);
        self.current.len += n;
        if self.current.len >= BLOCK {
            self.send(0)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Render for Blocks {
    fn render(&mut self, len: usize, fill: &mut dyn FnMut(&mut [u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        if self.current.room().len() < len {
            self.send(len)?;
        }
        let room = self.current.room().get_mut(..len).ok_or_else(stopped)?;
        fill(room)?;
        self.current.len += len;
        if self.current.len >= BLOCK {
            self.send(0)?;
        }
        Ok(())
    }
}

/// The writing thread's file: direct while the file system takes direct writes.
struct Sink {
    path: PathBuf,
    file: File,
    direct: bool,
    offset: u64,
}

impl Sink {
    fn open(path: &Path, try_direct: bool) -> std::io::Result<Sink> {
        #[cfg(target_os = "linux")]
        if try_direct {
            use std::os::unix::fs::OpenOptionsExt;
            if let Ok(file) = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .custom_flags(libc::O_DIRECT)
                .open(path)
            {
                return Ok(Sink {
                    path: path.to_path_buf(),
                    file,
                    direct: true,
                    offset: 0,
                });
            }
        }
        let _ = try_direct;
        Ok(Sink {
            path: path.to_path_buf(),
            file: File::create(path)?,
            direct: false,
            offset: 0,
        })
    }

    /// Writes `data` at the end: its aligned part directly, the rest (the file's tail) through the cache.
    fn write(&mut self, mut data: &[u8]) -> std::io::Result<()> {
        if self.direct {
            let aligned = data.len() / ALIGN * ALIGN;
            let mut done = 0;
            while done < aligned && self.direct {
                match self.file.write(&data[done..aligned]) {
                    Ok(0) => return Err(ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        done += n;
                        self.offset += n as u64;
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    // EINVAL: this file system, or this offset or length, takes no direct write.
                    Err(e) if e.kind() == ErrorKind::InvalidInput => self.reopen()?,
                    Err(e) => return Err(e),
                }
            }
            data = &data[done..];
            if !data.is_empty() {
                self.reopen()?;
            }
        }
        self.file.write_all(data)?;
        self.offset += data.len() as u64;
        Ok(())
    }

    /// Goes on with ordinary writes at the current offset.
    fn reopen(&mut self) -> std::io::Result<()> {
        if self.direct {
            let mut file = OpenOptions::new().write(true).open(&self.path)?;
            file.seek(SeekFrom::Start(self.offset))?;
            self.file = file;
            self.direct = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that tell their offset apart, so a block written twice or out of place shows.
    fn content(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8 ^ (i / 251 % 256) as u8).collect()
    }

    fn written(try_direct: bool, pieces: &[&[u8]]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        write_to(Sink::open(&path, try_direct).unwrap(), |w| {
            for p in pieces {
                w.write_all(p)?;
            }
            Ok(())
        })
        .unwrap();
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn blocks_and_the_tail_are_written_in_order_with_and_without_direct_writes() {
        let data = content(3 * BLOCK + ALIGN + 123);
        for try_direct in [true, false] {
            // One big write, a block's worth of small writes, and pieces across block boundaries.
            assert!(written(try_direct, &[&data]) == data);
            let (a, b) = data.split_at(BLOCK - 7);
            let (b, c) = b.split_at(BLOCK + 5000);
            assert!(written(try_direct, &[a, b, c]) == data);
            let small: Vec<&[u8]> = data[..BLOCK + 300].chunks(97).collect();
            assert!(written(try_direct, &small) == data[..BLOCK + 300]);
            assert!(written(try_direct, &[]).is_empty());
            assert!(written(try_direct, &[b"x"]) == b"x");
        }
    }

    #[test]
    fn rendered_room_and_writes_mix_in_order_with_and_without_direct_writes() {
        let data = content(3 * BLOCK + 5 * ALIGN + 77);
        // Rendered pieces of every size (smaller than a block, larger, past a block's end) between writes.
        let cuts = [
            100,
            ALIGN - 1,
            BLOCK - 50,
            2 * BLOCK + 3,
            2 * BLOCK + 4000,
            3 * BLOCK + 17,
            data.len(),
        ];
        for try_direct in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("big.csv");
            write_to(Sink::open(&path, try_direct).unwrap(), |w| {
                let mut at = 0;
                for (i, &cut) in cuts.iter().enumerate() {
                    let piece = &data[at..cut];
                    if i % 2 == 0 {
                        w.render(piece.len(), &mut |room| {
                            room.copy_from_slice(piece);
                            Ok(())
                        })?;
                    } else {
                        w.write_all(piece)?;
                    }
                    at = cut;
                }
                Ok(())
            })
            .unwrap();
            assert!(std::fs::read(&path).unwrap() == data);
        }
        // Room that never fits the block being filled, again and again (blocks of nothing to write are freed).
        let piece = content(BLOCK);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        write_to(Sink::open(&path, true).unwrap(), |w| {
            for _ in 0..2 * BLOCKS {
                w.write_all(b"0123456789")?;
                w.render(BLOCK, &mut |room| {
                    room.copy_from_slice(&piece);
                    Ok(())
                })?;
            }
            Ok(())
        })
        .unwrap();
        let expected: Vec<u8> = (0..2 * BLOCKS)
            .flat_map(|_| [&b"0123456789"[..], &piece].concat())
            .collect();
        assert!(std::fs::read(&path).unwrap() == expected);
    }

    #[test]
    fn an_unaligned_direct_write_goes_on_as_an_ordinary_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let data = content(4 * ALIGN + 1);
        let mut sink = Sink::open(&path, true).unwrap();
        // Memory at an odd address: a direct write of it is refused.
        sink.write(&data[..2 * ALIGN]).unwrap();
        sink.write(&data[2 * ALIGN..]).unwrap();
        sink.file.sync_all().unwrap();
        assert!(std::fs::read(&path).unwrap() == data);
        let odd = [vec![0u8], data.clone()].concat();
        let mut sink = Sink::open(&path, true).unwrap();
        sink.write(&odd[1..]).unwrap();
        sink.write(b"end").unwrap();
        assert!(std::fs::read(&path).unwrap() == [&data[..], b"end"].concat());
    }

    #[test]
    fn a_failing_producer_fails_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let err = write_to(Sink::open(&path, true).unwrap(), |w| {
            w.write_all(&content(BLOCK + 1))?;
            Err(std::io::Error::other("boom"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "boom");
    }
}
