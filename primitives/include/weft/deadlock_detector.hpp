// weft/deadlock_detector.hpp
//
// The runtime deadlock detector: a program built with weft's locks asks weft
// to watch it. It keeps two graphs over the program's real threads:
//
//   * the wait-for graph (thread -> lock it waits for -> the lock's owners):
//     when a thread is about to block in a way that closes a cycle, the
//     detector reports the deadlock instead of letting the program hang
//     silently: which threads, which locks, where each lock was requested and
//     where its holder took it;
//   * the lock-order graph (lock A -> lock B: some thread requested B while
//     holding A, see weft/internal/lock_order_graph.hpp): when two code paths
//     take locks in opposite orders, it warns about the potential deadlock
//     even though this run got lucky.
//
//   int main() {
//     namespace dd = weft::deadlock_detector;
//     dd::options opts;
//     opts.on_deadlock = dd::reaction::throw_error;
//     dd::enable(opts);
//     ...
//   }
//
//   void transfer(account& from, account& to, int amount) {
//     weft::deadlock_detector::name_lock(&from.m, from.name);  // optional
//     std::lock_guard a(from.m);
//     std::lock_guard b(to.m);  // a concurrent transfer(to, from) holds to.m and
//                               // waits for from.m: one of the two lock() calls
//                               // throws weft::deadlock_error instead of hanging,
//                               // and its guard `a` unwinds
//     ...
//   }
//
// Call sites: reports name the `where` argument of the lock calls: the
// caller's line, also through std::lock_guard, std::unique_lock,
// std::shared_lock and std::scoped_lock (of one or several locks), which
// weft specializes for its locks (weft/internal/std_lock_sites.hpp).
// std::lock(a, b) calls the locks from inside the standard library, so its
// reports name that header.
//
// Which locks: weft::mutex, weft::spin_lock, weft::ticket_lock and
// weft::shared_mutex (both modes), and everything built on them (a
// condition variable's wait releases and retakes its mutex through the
// mutex's own operations). Lock types of other libraries are invisible.
//
// What counts:
//   operation                       wait-for graph                 lock-order edges
//   lock(), lock_shared()           owner after; waiter while      held -> this, when requested
//                                   parked or spinning
//   try_lock_for/until, shared too  as lock(), the wait included   as lock()
//   try_lock(), try_lock_shared()   owner after (never waits)      none; counts as held later
//   unlock(), unlock_shared()       owner no more                  none
// A shared_mutex counts every reader as an owner. A writer waits for every
// owner; a reader waits for the writer that holds the lock or, if none
// does, for the writers waiting for it (writers go first, so a reader
// queues behind them). Timed waits count like untimed ones: a cycle that
// only a timeout would break is reported.
//
// Reactions (`options::on_deadlock`, `options::on_lock_order`):
//   report       call `options::callback` with the report (by default: print
//                it to stderr), then carry on: a deadlocked thread blocks as
//                it would without the detector;
//   throw_error  throw weft::deadlock_error from the lock call that would
//                block (a deadlock) or that requested the lock (an
//                inversion). Nothing changed: the thread does not get the
//                lock, everything it held it still holds, no waiter was
//                registered, so the program can unwind and continue;
//   abort        print the report to stderr and std::abort().
// A deadlock is reported by the thread whose wait closes the cycle (a
// thread that closes it again, say by retrying a timed lock, reports it
// again). An inversion is reported by the request that first makes its
// cycle reportable, once per distinct cycle of locks (the Goodlock rules of
// lock_order_graph.hpp: edges from distinct threads, no common gate lock;
// a lock destroyed and recreated at the same address is a new lock).
// The callback runs on that thread with no detector lock held; it may use
// weft's locks (they are watched too).
//
// Threads and names. Threads are named by weft's thread ids
// (seam::current_thread_id()), optionally with `name_this_thread`. Locks
// are named by `name_lock`, otherwise by their short type and a number in
// the order the detector first mentions them ("mutex#3"), as the checker
// does. A name lasts until the lock is destroyed.
//
// Reports and snapshots are plain data (`report`, `graph_snapshot`) and
// render as text (the checker's wording), JSON and Graphviz DOT.
//
// Cost (bench/bench_deadlock_detector.cpp, docs/benchmarks.md; a 2-core
// VM, median CPU time; Abseil's own detection adds +26 to +29 ns there):
//   * compiled out (CMake -DWEFT_DEADLOCK_DETECTOR=OFF): nothing;
//   * compiled in, off (the default): one relaxed load of a global and a
//     predictable branch at each hook site, 2 per acquisition and 1 per
//     release: within the noise of an uncontended lock/unlock pair (~1 ns);
//   * on, uncontended, no other lock held: about +15 ns per lock/unlock
//     pair. The acquisition and the release each update the calling
//     thread's own record under its own tiny lock; no shared cache line is
//     written;
//   * on, requesting a lock while holding others: the same request as this
//     thread's previous one is a comparison of a few pointers (about +15 ns
//     per pair, one lock held, as uncontended); another one this thread has
//     made before with the same locks held is a lookup in a per-thread hash
//     set; a new one takes one process-wide mutex and updates the
//     lock-order graph (a new edge against the graph's order also searches
//     part of it, see weft/internal/lock_order_graph.hpp);
//   * on, about to block: the detector takes every thread's record at once
//     and searches the wait-for graph: O(threads x locks held).
//
// Concurrency contract: every function here is thread-safe. enable() and
// disable() start and end a watch: both clear the graphs. Call them while no
// weft lock is held or waited for (typically at start-up and shutdown):
// the detector does not know about acquisitions made while it was off, and
// ignores their releases.
//
// Under a checker: the detector does nothing on an OS thread where a seam
// runtime is installed (the checker runs model threads as fibers on one OS
// thread, and reports deadlocks and lock-order inversions itself, with the
// same lock-order graph, weft/internal/lock_order_graph.hpp).
//
// Invalid: nothing in this API; misuse of the locks themselves is reported
// by the locks (weft/misuse.hpp) before the detector sees it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/internal/deadlock_hooks.hpp"
#include "weft/seam/runtime.hpp"
#include "weft/source_location.hpp"

namespace weft {

namespace deadlock_detector {

enum class reaction : std::uint8_t { report, throw_error, abort };

struct lock_info {
  const void* address = nullptr;
  std::string type;  // "weft::mutex"
  std::string name;  // name_lock's, else "mutex#3"
};

struct thread_info {
  seam::thread_id id = 0;
  std::string name;  // name_this_thread's; empty if none
};

// One step of a wait-for cycle: `waiter` asked for `lock` (in
// `requested_mode`, at `requested_at`) and cannot get it until `holder`
// acts. Either the holder holds the lock (in `held_mode`, taken at
// `held_at`) or, for a reader, the holder is a writer waiting for the lock
// ahead of it (`holder_waiting`; `held_at` is where the writer asked).
struct wait_step {
  thread_info waiter;
  lock_info lock;
  lock_mode requested_mode = lock_mode::exclusive;
  weft::source_location requested_at;
  bool timed = false;  // try_lock_for / try_lock_until
  thread_info holder;
  bool holder_waiting = false;
  lock_mode held_mode = lock_mode::exclusive;
  weft::source_location held_at;
};

// One edge of a lock-order cycle: `thread` requested `acquired` (at
// `acquired_at`) while holding `held` (taken at `held_at`).
struct order_step {
  thread_info thread;
  lock_info held;
  weft::source_location held_at;
  lock_info acquired;
  weft::source_location acquired_at;
};

enum class report_kind : std::uint8_t { deadlock, lock_order_inversion };

struct report {
  report_kind kind = report_kind::deadlock;
  // deadlock: the cycle, starting with the thread that closed it; each
  // step's holder is the next step's waiter, the last step's holder the
  // first step's waiter.
  std::vector<wait_step> wait_cycle;
  // lock_order_inversion: the edges in cycle order (each edge's `acquired`
  // is the next edge's `held`), ending with the request that closed it.
  std::vector<order_step> order_cycle;
};

struct held_lock_info {
  lock_info lock;
  lock_mode mode = lock_mode::exclusive;
  weft::source_location acquired_at;
};

struct wait_info {
  lock_info lock;
  lock_mode mode = lock_mode::exclusive;
  weft::source_location requested_at;
  bool timed = false;
};

struct thread_snapshot {
  thread_info thread;
  std::vector<held_lock_info> held;  // in acquisition order
  std::optional<wait_info> waiting;
};

// The detector's graphs at one moment.
struct graph_snapshot {
  // Every live thread that has used a weft lock since enable(), by id. The
  // wait-for graph is in them: thread -> waiting.lock -> the threads whose
  // `held` has that lock.
  std::vector<thread_snapshot> threads;
  // The lock-order graph: each edge with the first site that created it.
  std::vector<order_step> lock_order;
};

struct options {
  reaction on_deadlock = reaction::report;
  // Check the lock order at all (a hash lookup per held lock per blocking
  // acquisition).
  bool detect_lock_order = true;
  reaction on_lock_order = reaction::report;
  // For reaction::report, of either kind. Empty: print to_text(r) to
  // stderr.
  std::function<void(const report&)> callback;
  // The lock-order graph's Goodlock rules (lock_order_graph.hpp). Turn
  // `require_distinct_threads` off to hear about a cycle one thread formed
  // alone (a pool worker running both orders).
  bool require_distinct_threads = true;
  bool suppress_gated = true;
};

// Starts watching with `opts`, from empty graphs (replacing the options of
// a watch already running). Returns false, and does nothing, if weft was
// built with WEFT_DEADLOCK_DETECTOR=OFF.
bool enable(options opts = {});

// Stops watching and clears the graphs. Lock names are kept.
void disable();

[[nodiscard]] bool enabled() noexcept;

// Names `lock` (any weft lock's address) in reports, until it is destroyed
// or named again. Works whether or not the detector is on.
void name_lock(const void* lock, std::string name);

// Names the calling thread in reports. Works whether or not the detector is
// on.
void name_this_thread(std::string name);

// The graphs right now (empty when the detector is off).
[[nodiscard]] graph_snapshot take_snapshot();

// Renderings. Text uses the checker's wording:
//   deadlock: thread 3 would wait forever (cycle: thread 3 waits for fork 1
//   held by thread 4; thread 4 waits for fork 0 held by thread 3; back to
//   thread 3)
//     thread 3 blocked in weft::mutex::lock on fork 1 (held by thread 4) at
//     philosophers.cpp:30; thread 4 took it at philosophers.cpp:29
//     ...
// JSON is one object (kind, steps with threads, locks, modes and
// "file:line" locations; addresses as hex strings). DOT is a digraph: boxes
// for threads, ellipses for locks, "waits" and "held" edges for the
// wait-for graph, labelled lock -> lock edges for the lock order.
std::string to_text(const report& r);
std::string to_json(const report& r);
std::string to_dot(const report& r);
std::string to_text(const graph_snapshot& s);
std::string to_json(const graph_snapshot& s);
std::string to_dot(const graph_snapshot& s);

std::string_view to_string(lock_mode mode) noexcept;
std::string_view to_string(report_kind kind) noexcept;

}  // namespace deadlock_detector

// Thrown by a lock call in reaction::throw_error (see above). what() is the
// report as text.
class deadlock_error : public std::runtime_error {
 public:
  explicit deadlock_error(deadlock_detector::report r);
  [[nodiscard]] const deadlock_detector::report& details() const noexcept { return report_; }

 private:
  deadlock_detector::report report_;
};

}  // namespace weft
