//! The app's memory allocator in the browser: segregated free lists of
//! power-of-two blocks, in place of the standard library's dlmalloc.
//!
//! Why: the bundle a signed-in user downloads before the first message has a
//! budget (150 KB gzipped), and dlmalloc (coalescing, splitting, bins,
//! `memalign`) costs about 1 KB of it. A tab of this app makes small,
//! short-lived allocations (strings, vectors, reactive nodes) and runs on
//! one thread, so a size-class allocator does the job in a few hundred bytes:
//!
//! - a request is rounded up to a power of two (at least 8 bytes, at least
//!   its alignment). Up to half a wasm page (32 KiB) it is a block of that
//!   class, carved from pages that each class takes whole, one after the
//!   other, so every block is aligned to its own size;
//! - a larger request takes a power-of-two number of whole pages;
//! - a freed block goes onto its class's free list (a link in its first
//!   word) and is the next one that class hands out. `dealloc` is given the
//!   same layout as `alloc`, so no header is needed.
//!
//! What it gives up: a freed block is only reused by its own class (no
//! coalescing), rounding wastes up to half of a block, and each class keeps
//! a partly used page: a tab holds more memory than with dlmalloc (see the
//! 10,000-message figure in docs/benchmarks.md). Neither gives memory back
//! to the browser.
//!
//! Only on `wasm32` without threads (the app's target): `Heap` is not
//! thread-safe.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// A wasm memory page, the unit `memory.grow` adds.
const PAGE: usize = 64 * 1024;
/// The smallest block, 2^3 = 8 bytes: room for the free-list link.
const MIN_SHIFT: u32 = 3;
/// The largest small block, 2^15 = half a page.
const MAX_SMALL_SHIFT: u32 = 15;
const SMALL_CLASSES: usize = (MAX_SMALL_SHIFT - MIN_SHIFT + 1) as usize;
/// Large blocks are 2^0 ..= 2^16 pages (all of a 4 GiB memory).
const LARGE_CLASSES: usize = 17;

/// Where a request goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// A block of 2^(index + 3) bytes.
    Small(usize),
    /// 2^index whole pages.
    Large(usize),
}

impl Class {
    /// `None` for alignments beyond a page, which nothing here asks for.
    fn of(size: usize, align: usize) -> Option<Class> {
        if align > PAGE {
            return None;
        }
        let bytes = size.max(align).max(1 << MIN_SHIFT);
        if bytes <= 1 << MAX_SMALL_SHIFT {
            return Some(Class::Small((ceil_log2(bytes) - MIN_SHIFT) as usize));
        }
        let pages = bytes.div_ceil(PAGE);
        Some(Class::Large(ceil_log2(pages) as usize))
    }
}

fn ceil_log2(n: usize) -> u32 {
    usize::BITS - (n - 1).leading_zeros()
}

/// Where new pages come from: `memory.grow` in the app, a test's own
/// memory in the tests. Returns the address of `pages` new pages, each
/// aligned to a page, or `None` when memory is exhausted.
pub trait Pages {
    fn grow(&mut self, pages: usize) -> Option<usize>;
}

/// The wasm instance's own memory.
#[cfg(target_arch = "wasm32")]
pub struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Pages for WasmMemory {
    fn grow(&mut self, pages: usize) -> Option<usize> {
        match core::arch::wasm32::memory_grow(0, pages) {
            usize::MAX => None,
            previous => Some(previous * PAGE),
        }
    }
}

/// The allocator's state: each class's free list and where its current page
/// ends. Addresses are plain `usize` (0 = none; memory.grow never returns
/// page 0, which holds the program's data).
pub struct Heap<P> {
    pages: P,
    free: [usize; SMALL_CLASSES],
    /// The next unused block of the class's current page; a multiple of
    /// `PAGE` (or 0) means the page is used up.
    next: [usize; SMALL_CLASSES],
    free_large: [usize; LARGE_CLASSES],
}

impl<P: Pages> Heap<P> {
    pub const fn new(pages: P) -> Self {
        Heap { pages, free: [0; SMALL_CLASSES], next: [0; SMALL_CLASSES], free_large: [0; LARGE_CLASSES] }
    }

    /// # Safety
    /// The free lists hold only blocks this heap handed out and got back.
    pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let address = match Class::of(layout.size(), layout.align()) {
            Some(Class::Small(index)) => unsafe { pop(&mut self.free[index]) }.or_else(|| {
                let size = 1 << (index as u32 + MIN_SHIFT);
                if self.next[index] % PAGE == 0 {
                    self.next[index] = self.pages.grow(1)?;
                }
                let block = self.next[index];
                self.next[index] += size;
                Some(block)
            }),
            Some(Class::Large(index)) => unsafe { pop(&mut self.free_large[index]) }.or_else(|| self.pages.grow(1 << index)),
            None => None,
        };
        address.map_or(null_mut(), |address| address as *mut u8)
    }

    /// # Safety
    /// `block` came from `alloc` (or `realloc`) of this heap with `layout`.
    pub unsafe fn dealloc(&mut self, block: *mut u8, layout: Layout) {
        let list = match Class::of(layout.size(), layout.align()) {
            Some(Class::Small(index)) => &mut self.free[index],
            Some(Class::Large(index)) => &mut self.free_large[index],
            None => return,
        };
        unsafe { push(list, block as usize) };
    }

    /// Keeps the block when the new size is of the same class (a string
    /// growing within its power of two), else moves it.
    ///
    /// # Safety
    /// As `dealloc`; `new_size` rounded up to the alignment is a valid size.
    pub unsafe fn realloc(&mut self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Class::of(layout.size(), layout.align()) == Class::of(new_size, layout.align()) {
            return block;
        }
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            unsafe {
                core::ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }
}

/// Takes the first block of a free list.
unsafe fn pop(list: &mut usize) -> Option<usize> {
    let block = *list;
    if block == 0 {
        return None;
    }
    *list = unsafe { *(block as *const usize) };
    Some(block)
}

/// Puts `block` first on a free list.
unsafe fn push(list: &mut usize, block: usize) {
    unsafe { *(block as *mut usize) = *list };
    *list = block;
}

/// The global allocator: one `Heap` over the instance's memory.
#[cfg(target_arch = "wasm32")]
pub struct App(UnsafeCell<Heap<WasmMemory>>);

// SAFETY: the app's wasm32 target has no threads (no `atomics` feature:
// see `#[global_allocator]` in lib.rs), so the heap is never
// used from two threads.
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for App {}

#[cfg(target_arch = "wasm32")]
impl App {
    pub const fn new() -> Self {
        App(UnsafeCell::new(Heap::new(WasmMemory)))
    }
}

#[cfg(target_arch = "wasm32")]
unsafe impl GlobalAlloc for App {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).alloc(layout) }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).dealloc(block, layout) }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(block, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Pages from a test's own buffer, page-aligned, so a test sees
    /// exactly what the heap asked for.
    struct TestPages {
        base: usize,
        used: usize,
        limit: usize,
        _memory: Vec<u8>,
    }

    impl TestPages {
        fn new(pages: usize) -> Self {
            let memory = vec![0u8; (pages + 1) * PAGE];
            let base = (memory.as_ptr() as usize).next_multiple_of(PAGE);
            TestPages { base, used: 0, limit: pages, _memory: memory }
        }
    }

    impl Pages for TestPages {
        fn grow(&mut self, pages: usize) -> Option<usize> {
            if self.used + pages > self.limit {
                return None;
            }
            let address = self.base + self.used * PAGE;
            self.used += pages;
            Some(address)
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn classes_round_up_to_a_power_of_two_at_least_the_alignment() {
        assert_eq!(Class::of(1, 1), Some(Class::Small(0)));
        assert_eq!(Class::of(8, 8), Some(Class::Small(0)));
        assert_eq!(Class::of(9, 1), Some(Class::Small(1)));
        assert_eq!(Class::of(4, 64), Some(Class::Small(3)));
        assert_eq!(Class::of(32 * 1024, 8), Some(Class::Small(SMALL_CLASSES - 1)));
        assert_eq!(Class::of(32 * 1024 + 1, 8), Some(Class::Large(0)));
        assert_eq!(Class::of(PAGE + 1, 8), Some(Class::Large(1)));
        assert_eq!(Class::of(3 * PAGE, 8), Some(Class::Large(2)));
        assert_eq!(Class::of(8, 2 * PAGE), None);
    }

    #[test]
    fn blocks_are_aligned_to_their_size_and_do_not_overlap() {
        let mut heap = Heap::new(TestPages::new(64));
        let mut blocks = Vec::new();
        for (size, align) in [(1, 1), (3, 1), (8, 8), (12, 4), (24, 8), (100, 16), (700, 8), (5000, 8), (4, 256), (40_000, 8)] {
            for _ in 0..3 {
                let block = unsafe { heap.alloc(layout(size, align)) } as usize;
                assert_ne!(block, 0);
                assert_eq!(block % align, 0, "{size} bytes aligned to {align}");
                blocks.push((block, size));
            }
        }
        blocks.sort();
        for pair in blocks.windows(2) {
            assert!(pair[0].0 + pair[0].1 <= pair[1].0, "{pair:?} overlap");
        }
    }

    #[test]
    fn a_freed_block_is_the_next_one_of_its_class() {
        let mut heap = Heap::new(TestPages::new(4));
        let first = unsafe { heap.alloc(layout(20, 4)) };
        let second = unsafe { heap.alloc(layout(20, 4)) };
        unsafe { heap.dealloc(first, layout(20, 4)) };
        assert_eq!(unsafe { heap.alloc(layout(30, 8)) }, first, "same class (32 bytes)");
        assert_ne!(unsafe { heap.alloc(layout(20, 4)) }, second);
        assert_eq!(heap.pages.used, 1);
    }

    #[test]
    fn large_blocks_are_whole_pages_and_are_reused() {
        let mut heap = Heap::new(TestPages::new(16));
        let big = unsafe { heap.alloc(layout(3 * PAGE, 8)) };
        assert_eq!(big as usize % PAGE, 0);
        assert_eq!(heap.pages.used, 4, "3 pages round up to 4");
        unsafe { heap.dealloc(big, layout(3 * PAGE, 8)) };
        assert_eq!(unsafe { heap.alloc(layout(4 * PAGE, 8)) }, big);
        assert_eq!(heap.pages.used, 4);
    }

    #[test]
    fn realloc_keeps_the_block_within_its_class_and_the_bytes_when_moving() {
        let mut heap = Heap::new(TestPages::new(8));
        let block = unsafe { heap.alloc(layout(5, 1)) };
        unsafe { core::ptr::copy_nonoverlapping(b"hello".as_ptr(), block, 5) };
        assert_eq!(unsafe { heap.realloc(block, layout(5, 1), 8) }, block);
        let moved = unsafe { heap.realloc(block, layout(8, 1), 100) };
        assert_ne!(moved, block);
        assert_eq!(unsafe { core::slice::from_raw_parts(moved, 5) }, b"hello");
        let large = unsafe { heap.realloc(moved, layout(100, 1), 50_000) };
        assert_eq!(unsafe { core::slice::from_raw_parts(large, 5) }, b"hello");
        assert_eq!(unsafe { heap.alloc(layout(100, 1)) }, moved, "the old block was freed");
    }

    #[test]
    fn exhausted_memory_is_a_null_pointer_not_a_crash() {
        let mut heap = Heap::new(TestPages::new(2));
        assert!(!unsafe { heap.alloc(layout(2 * PAGE, 8)) }.is_null());
        assert!(unsafe { heap.alloc(layout(16, 8)) }.is_null());
        assert!(unsafe { heap.alloc(layout(16, 4 * PAGE)) }.is_null());
    }

    /// Random allocations, reallocations and frees, each block filled with
    /// its own byte: any overlap or lost block shows as a wrong byte.
    #[test]
    fn random_use_never_corrupts_a_live_block() {
        let mut heap = Heap::new(TestPages::new(512));
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut seed = 0x2545_f491_u32;
        let mut random = move |below: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % below
        };
        let check = |(block, layout, fill): &(*mut u8, Layout, u8)| {
            let bytes = unsafe { core::slice::from_raw_parts(*block, layout.size()) };
            assert!(bytes.iter().all(|byte| byte == fill), "block of {} bytes corrupted", layout.size());
        };
        for step in 0..20_000u32 {
            let fill = (step % 251) as u8;
            match random(10) {
                0..=4 => {
                    let size = if random(100) == 0 { 1 + random(100_000) } else { 1 + random(600) } as usize;
                    let layout = layout(size, 1 << random(5));
                    let block = unsafe { heap.alloc(layout) };
                    assert!(!block.is_null());
                    unsafe { block.write_bytes(fill, size) };
                    live.push((block, layout, fill));
                }
                5..=6 if !live.is_empty() => {
                    let (block, old, old_fill) = live.swap_remove(random(live.len() as u32) as usize);
                    let new_size = 1 + random(2_000) as usize;
                    let moved = unsafe { heap.realloc(block, old, new_size) };
                    let kept = old.size().min(new_size);
                    assert!(unsafe { core::slice::from_raw_parts(moved, kept) }.iter().all(|b| *b == old_fill));
                    unsafe { moved.write_bytes(fill, new_size) };
                    live.push((moved, Layout::from_size_align(new_size, old.align()).unwrap(), fill));
                }
                _ if !live.is_empty() => {
                    let entry = live.swap_remove(random(live.len() as u32) as usize);
                    check(&entry);
                    unsafe { heap.dealloc(entry.0, entry.1) };
                }
                _ => {}
            }
        }
        live.iter().for_each(check);
    }
}
