//! A global allocator that counts allocations made while `guarded` code runs on this
//! thread: the tests' proof that ntpkit's core never allocates. Include with
//! `#[path = "common/alloc_guard.rs"] mod alloc_guard;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct GuardedAlloc;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for GuardedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if GUARDED.with(Cell::get) {
            ALLOCATIONS.with(|c| c.set(c.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: GuardedAlloc = GuardedAlloc;

/// Runs `f` with allocation counting on for this thread.
pub fn guarded<T>(f: impl FnOnce() -> T) -> T {
    GUARDED.with(|c| c.set(true));
    let out = f();
    GUARDED.with(|c| c.set(false));
    out
}

/// Allocations counted so far on this thread.
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}
