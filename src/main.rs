use std::ffi::c_char;

/// jemalloc: about a quarter faster than the system allocator on a large plan, which is
/// millions of small allocations, with a smaller peak.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before the first allocation. Pages freed are handed back to the
/// system after 10 ms, so a run's peak memory is about what it holds: handing each back at
/// once costs a large plan an eighth of its time in system calls and page faults, while
/// pages freed in one phase (a syntax tree released as it is evaluated) are reused by the
/// next. One arena for every thread, so that what one thread frees another can reuse.
#[unsafe(export_name = "_rjem_malloc_conf")]
static ALLOCATOR_OPTIONS: Options =
    Options(c"narenas:1,dirty_decay_ms:10,muzzy_decay_ms:0".as_ptr());

/// A C string pointer, as jemalloc reads `malloc_conf`.
#[repr(transparent)]
struct Options(*const c_char);

// SAFETY: it points to a string literal, which is never written.
unsafe impl Sync for Options {}

fn main() -> std::process::ExitCode {
    let code = vnetform::run(std::env::args_os().collect());
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
