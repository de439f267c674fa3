// The `counter` scenario: threads add to one shared counter, and the total
// at the end must be threads x iterations. The first two variants lose
// updates (one visibly racy, one with atomics that still interleave); the
// fixes serialise the read-modify-write with a mutex, make it one atomic
// operation, or hand the increments to a thread pool as tasks.
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "factories.hpp"
#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"
#include "weft/thread_pool.hpp"

namespace weft::scenarios::internal {

namespace {

// Starts `threads` threads that each run `work`, and joins them all.
template <typename Work>
void run_threads(int threads, const Work& work) {
  std::vector<weft::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i)
    workers.emplace_back(work);
  for (weft::thread& w : workers)
    w.join();
}

void racy(const parameters& size) {
  weft::shared<int> counter{0};
  run_threads(size.threads, [&counter, &size] {
    for (int i = 0; i < size.iterations; ++i) {
      // BUG: a plain read-modify-write from several threads with nothing
      // ordering them: a data race (undefined behaviour in C++), and two
      // threads that read the same value both write value + 1.
      counter.set(counter.get() + 1);
    }
  });
  WEFT_ASSERT(counter.get() == size.threads * size.iterations);
}

void atomic_load_store(const parameters& size) {
  weft::atomic<int> counter{0};
  run_threads(size.threads, [&counter, &size] {
    for (int i = 0; i < size.iterations; ++i) {
      // BUG: each access is atomic, so there is no data race, but the
      // increment is two operations: another thread's load between this
      // load and this store reads the same value, and one update is lost.
      counter.store(counter.load() + 1);
    }
  });
  WEFT_ASSERT(counter.load() == size.threads * size.iterations);
}

void locked(const parameters& size) {
  weft::mutex m;
  weft::shared<int> counter{0};
  run_threads(size.threads, [&m, &counter, &size] {
    for (int i = 0; i < size.iterations; ++i) {
      // The whole read-modify-write inside one critical section: no other
      // increment can fall between the read and the write.
      const std::lock_guard guard(m);
      counter.set(counter.get() + 1);
    }
  });
  // The joins order every increment before this read.
  WEFT_ASSERT(counter.get() == size.threads * size.iterations);
}

void fetch_add(const parameters& size) {
  weft::atomic<int> counter{0};
  run_threads(size.threads, [&counter, &size] {
    for (int i = 0; i < size.iterations; ++i) {
      // One indivisible read-modify-write.
      counter.fetch_add(1);
    }
  });
  WEFT_ASSERT(counter.load() == size.threads * size.iterations);
}

void thread_pool_tasks(const parameters& size) {
  // Declared before the pool: the pool's destructor (which drains it) runs
  // first, so no task can outlive what it uses.
  weft::mutex m;
  weft::shared<int> counter{0};
  weft::thread_pool pool(static_cast<std::size_t>(size.threads));
  for (int i = 0; i < size.threads * size.iterations; ++i) {
    pool.post([&m, &counter] {
      // Tasks run on several workers at once: the same critical section as
      // `mutex`.
      const std::lock_guard guard(m);
      counter.set(counter.get() + 1);
    });
  }
  // Returns once every task has finished, and orders their increments
  // before the read below (the checker's race detector verifies that the
  // pool provides this ordering).
  pool.wait_idle();
  WEFT_ASSERT(counter.get() == size.threads * size.iterations);
}

// Natively, a thread that starts while another still increments is what
// loses updates: the buggy variants need long loops for their runs to
// overlap (4 x 500,000 loses updates in nearly every run; 4 x 10,000 in
// almost none, since each thread finishes before the next has started).
constexpr parameters native_size_buggy{.threads = 4, .iterations = 500'000};
constexpr parameters native_size_fixed{.threads = 4, .iterations = 100'000};

}  // namespace

scenario make_counter() {
  using weft::finding_kind;
  using weft::verdict;
  std::vector<variant> variants;
  variants.push_back(variant{
      .name = "racy",
      .summary = "unsynchronized ++ on a plain shared int",
      .bug = "Each increment reads the counter and writes it back with no synchronization: the "
             "accesses of different threads race (undefined behaviour), and when two threads "
             "read the same value before either writes, one increment is lost.",
      .fix = "Make the read-modify-write indivisible: a mutex around it (counter.mutex) or an "
             "atomic fetch_add (counter.fetch_add).",
      .expected = {verdict::fail, finding_kind::data_race},
      .options = random_walk(1000),
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = native_size_buggy,
      .body = racy,
  });
  variants.push_back(variant{
      .name = "atomic_load_store",
      .summary = "an atomic counter incremented by a load, then a store",
      .bug = "The loads and stores are atomic, so there is no data race, but the increment is "
             "still two steps: thread A loads 0, thread B loads 0, both store 1, and one "
             "increment is lost. Atomic operations do not compose into atomic sequences.",
      .fix = "One atomic read-modify-write: counter.fetch_add(1) (counter.fetch_add).",
      .expected = {verdict::fail, finding_kind::assertion},
      .options = random_walk(1000),
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = native_size_buggy,
      .body = atomic_load_store,
  });
  variants.push_back(variant{
      .name = "mutex",
      .summary = "the read-modify-write under a weft::mutex",
      .bug = "",
      .fix = "The whole increment runs inside one critical section, so increments are "
             "serialized and each reads the previous one's write.",
      .expected = {verdict::pass, finding_kind::none},
      .options = exhaustive(10'000),
      .check_size = {.threads = 3, .iterations = 2},
      .native_size = native_size_fixed,
      .body = locked,
  });
  variants.push_back(variant{
      .name = "fetch_add",
      .summary = "an atomic fetch_add per increment",
      .bug = "",
      .fix = "fetch_add reads and writes the counter in one indivisible operation: no update "
             "can fall in between.",
      .expected = {verdict::pass, finding_kind::none},
      .options = exhaustive(10'000),
      .check_size = {.threads = 3, .iterations = 2},
      .native_size = native_size_fixed,
      .body = fetch_add,
  });
  variants.push_back(variant{
      .name = "thread_pool",
      .summary = "the increments as tasks on a weft::thread_pool, each under a mutex",
      .bug = "",
      .fix = "Each task increments under the mutex, and wait_idle() returns only once every "
             "task has finished, ordering their writes before the final read. The pool's "
             "operations are transparent to the checker: its workers' and submitters' own steps "
             "are interleaved too, and the ordering comes from its atomics.",
      .expected = {verdict::pass, finding_kind::none},
      .options = random_walk(500),
      .check_size = {.threads = 2, .iterations = 2},
      .native_size = {.threads = 4, .iterations = 10'000},
      .body = thread_pool_tasks,
  });
  return scenario{
      .name = "counter",
      .description =
          "Threads increment one shared counter; at the end the total must be threads x "
          "iterations. The classic lost update: an increment is a read, an add and a write, "
          "and another thread's increment can fall between the read and the write. Two buggy "
          "variants (a plain racy int, and atomics used as a load then a store) and three "
          "fixes (a mutex, fetch_add, and tasks on a thread pool).",
      .parameters_help =
          "threads: the threads incrementing (for thread_pool: the pool's "
          "workers); iterations: the increments each makes (for thread_pool: "
          "tasks per worker, threads x iterations tasks in all).",
      .limits = {.min_threads = 2,
                 .max_threads = 32,
                 .min_iterations = 1,
                 .max_iterations = 1'000'000},
      .variants = std::move(variants),
  };
}

}  // namespace weft::scenarios::internal
