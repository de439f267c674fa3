// The readers_writers scenario: readers keep reading a two-field record
// while a writer updates it. The locks are in rw_locks.hpp (and
// weft::shared_mutex); this file runs them and lists the variants.
#include <cstddef>
#include <vector>

#include "factories.hpp"
#include "rw_locks.hpp"
#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/shared.hpp"
#include "weft/shared_mutex.hpp"
#include "weft/thread.hpp"

namespace weft::scenarios::internal {

namespace {

namespace rw = weft::scenarios::readers_writers;

// A record whose two fields always hold the same version, as seen by anyone
// who holds the lock: the writer changes both.
struct record {
  weft::shared<int> first{0};
  weft::shared<int> second{0};
};

// `p.threads` readers and one writer. The writer writes `p.iterations`
// versions, each under the exclusive lock, and then says it is done; the
// readers read the record under the shared lock over and over until then,
// and each read must see both fields of one version. A reader yields in the
// middle of a read (reading takes a while: others run meanwhile), so two
// readers' reads overlap. Because the readers stop only when the writer has
// finished, a writer that never gets the lock shows as an execution that
// never ends: a max_steps finding.
template <typename Lock>
void read_while_writing(const parameters& p) {
  Lock lock;
  record shared_record;
  weft::atomic<bool> writer_done{false};
  std::vector<weft::thread> threads;
  threads.reserve(static_cast<std::size_t>(p.threads) + 1);
  for (int r = 0; r < p.threads; ++r) {
    threads.emplace_back([&lock, &shared_record, &writer_done] {
      // Explicit calls, no std::shared_lock: see rw_locks.hpp on unwinding.
      do {
        lock.lock_shared();
        const int first = shared_record.first.get();
        weft::this_thread::yield();  // the read takes a while
        const int second = shared_record.second.get();
        lock.unlock_shared();
        WEFT_ASSERT(first == second);  // a torn read: half of one version, half of another
      } while (!writer_done.load());
    });
  }
  threads.emplace_back([&lock, &shared_record, &writer_done, versions = p.iterations] {
    for (int version = 1; version <= versions; ++version) {
      lock.lock();
      shared_record.first.set(version);
      shared_record.second.set(version);
      lock.unlock();
    }
    writer_done.store(true);
  });
  for (weft::thread& t : threads)
    t.join();
  WEFT_ASSERT(shared_record.first.get() == p.iterations);
}

// The search that starves the writer, used by every lock variant so that
// the fixed ones pass the very search that fails the buggy one. PCT runs
// the highest-priority thread and drops a thread that yields below all
// others, so two readers that yield inside their reads take turns and
// always keep one of them inside; a writer with a lower priority waits
// forever. (A random walk lets the reader count reach zero every few reads
// and does not find it; dfs starves a writer of *steps*, before it even
// asks for the lock, and fails correct locks too.) An execution in which
// the writer gets in takes 25 to 40 steps: 2,000 cuts a starving one short.
weft::check_options writer_starvation_search() {
  weft::check_options options;
  options.strategy = weft::strategy_kind::pct;
  options.pct_depth = 3;
  options.max_steps = 2000;
  options.executions = 2000;
  return options;
}

variant reader_preference() {
  return {
      .name = "reader_preference",
      .summary = "a hand-written lock that lets readers in while a writer waits",
      .bug =
          "Readers enter whenever no writer is inside, and the writer enters only when no "
          "reader is. The schedule: both readers enter and start reading; the writer "
          "arrives, finds readers inside and waits. Reader 1, which yielded in the middle of "
          "its read, finishes it, leaves and enters again while reader 2 is still inside; "
          "then reader 2 does the same, and so on. The reader count never reaches zero, so "
          "the writer is never even woken, and the readers, who read until the writer is "
          "done, never stop: an execution longer than max_steps. PCT finds this schedule "
          "(see the options): it runs the highest-priority thread, and a thread that "
          "yields drops below all others, so the two readers take turns exactly like this "
          "whenever they start before the writer.",
      .fix =
          "Hold new readers back while a writer waits (writer_preference), or use a lock "
          "with a fairness policy for both sides (shared_mutex).",
      .expected = {weft::verdict::fail, weft::finding_kind::max_steps},
      .options = writer_starvation_search(),
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 100},
      .body = read_while_writing<rw::reader_preference_lock>,
  };
}

variant torn_read() {
  weft::check_options options;
  options.executions = 1000;
  return {
      .name = "torn_read",
      .summary = "readers read the record without taking the lock",
      .bug =
          "Only the writer locks. A reader reads `first`, the writer (which holds the lock, "
          "but nobody else is checking it) writes both fields, and the reader reads "
          "`second`: half of one version and half of another. The reads race with the "
          "writer's writes (a data race, found before the torn values fail the assertion).",
      .fix =
          "Readers take the lock too, shared, so that a writer cannot be inside while they "
          "read: any of the other variants.",
      .expected = {weft::verdict::fail, weft::finding_kind::data_race},
      .options = options,
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 2000},
      .body = read_while_writing<rw::writers_only_lock>,
  };
}

variant writer_preference() {
  return {
      .name = "writer_preference",
      .summary = "a hand-written lock that holds new readers back while a writer waits",
      .bug = "",
      .fix =
          "A writer counts itself as waiting before it waits, and readers do not enter while "
          "a writer waits: the readers inside finish, the last one out wakes the writer, and "
          "it gets in. The starving schedule of reader_preference ends at the writer's "
          "first wait. (With a stream of writers the readers would starve in turn; here "
          "there is one writer.)",
      .expected = {},
      .options = writer_starvation_search(),
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 2000},
      .body = read_while_writing<rw::writer_preference_lock>,
  };
}

variant shared_mutex() {
  return {
      .name = "shared_mutex",
      .summary = "weft::shared_mutex, whose policy is phase-fair",
      .bug = "",
      .fix =
          "weft::shared_mutex queues arriving readers behind a waiting writer (so readers "
          "cannot starve a writer) and admits every queued reader when the writer leaves "
          "(so writers cannot starve readers either).",
      .expected = {},
      .options = writer_starvation_search(),
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 2000},
      .body = read_while_writing<weft::shared_mutex>,
  };
}

}  // namespace

scenario make_readers_writers() {
  return {
      .name = "readers_writers",
      .description =
          "Readers read a record of two fields over and over while one writer updates it, "
          "version after version; the readers stop when the writer is done. Every read must "
          "see both fields of the same version, and the writer must get in despite the "
          "readers. The variants: a hand-written reader-preference lock, under which readers "
          "that keep overlapping starve the writer forever; readers that take no lock at all "
          "(torn reads); then a hand-written writer-preference lock and weft::shared_mutex.",
      .parameters_help =
          "threads: readers (plus one writer); iterations: versions the writer "
          "writes. The readers read until the writer is done.",
      .limits = {.min_threads = 1,
                 .max_threads = 32,
                 .min_iterations = 1,
                 .max_iterations = 1'000'000},
      .variants = {reader_preference(), torn_read(), writer_preference(), shared_mutex()},
  };
}

}  // namespace weft::scenarios::internal
