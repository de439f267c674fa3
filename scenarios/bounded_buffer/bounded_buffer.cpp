// The bounded_buffer scenario: producers and consumers meet at a buffer of
// one or two slots. The buffers themselves are in buffers.hpp; this file
// runs them and lists the variants.
#include <cstddef>
#include <vector>

#include "buffers.hpp"
#include "factories.hpp"
#include "weft/check.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace weft::scenarios::internal {

namespace {

namespace bb = weft::scenarios::bounded_buffer;

// One slot for the condition-variable buffers: every put after the first
// meets a full buffer and every take an empty one unless the other side got
// there first, so both waits run all the time, with small check sizes.
constexpr int cv_slots = 1;
// Two for the semaphore buffers: with one slot, the semaphores alone would
// let only one producer and one consumer into the ring at a time, and
// semaphores_without_mutex would be correct.
constexpr int semaphore_slots = 2;

// `p.threads` producers each put `p.iterations` distinct items and as many
// consumers each take `p.iterations`; at the end every item has been taken
// exactly once (the sum of the items taken is that of the items put).
template <typename Buffer>
void produce_and_consume(const parameters& p) {
  Buffer buffer;
  const auto workers = static_cast<std::size_t>(p.threads);
  // Each consumer adds up what it takes in its own variable, read by this
  // thread after the join.
  std::vector<weft::shared<long>> taken_sums(workers);
  std::vector<weft::thread> threads;
  threads.reserve(2 * workers);
  for (int producer = 0; producer < p.threads; ++producer) {
    threads.emplace_back([&buffer, producer, n = p.iterations] {
      for (int k = 0; k < n; ++k)
        buffer.put(producer * n + k + 1);  // items 1, 2, ..., threads * iterations
    });
  }
  for (std::size_t consumer = 0; consumer < workers; ++consumer) {
    threads.emplace_back([&buffer, &sum = taken_sums[consumer], n = p.iterations] {
      for (int k = 0; k < n; ++k)
        sum.set(sum.get() + buffer.take());
    });
  }
  for (weft::thread& t : threads)
    t.join();
  long taken = 0;
  for (const weft::shared<long>& sum : taken_sums)
    taken += sum.get();
  const long items = static_cast<long>(p.threads) * p.iterations;
  WEFT_ASSERT(taken == items * (items + 1) / 2);
}

// For the condition-variable buffers, whose exhaustive search takes seconds
// even for two producers and two consumers with one item each (thousands of
// orders of their mutex and condition-variable operations, times the
// spurious wake-ups): a random sample at the size that finds their buggy
// siblings' bugs in a few executions.
weft::check_options sampled() {
  weft::check_options options;
  options.executions = 3000;
  return options;
}

variant if_wait() {
  weft::check_options options;
  // The bug needs no spurious wake-up: with them off, the trace shows the
  // thread that gets in first instead.
  options.spurious_wakeups = false;
  options.executions = 5000;
  return {
      .name = "if_wait",
      .summary = "waits for an item (or room) with `if`, not `while`",
      .bug =
          "A consumer that finds the buffer empty waits on not_empty once and, when woken, "
          "pops without looking again. But a notify only says that there was an item when it "
          "was sent: a producer puts an item and wakes consumer 1; before consumer 1 has "
          "re-acquired the mutex inside wait, consumer 2 takes the mutex, finds the item and "
          "takes it; consumer 1 then returns from wait and pops from an empty buffer (the "
          "assertion in ring::pop). Producers fail the same way on a full buffer, and a "
          "spurious wake-up needs no other thread at all.",
      .fix =
          "Wait in a loop, `while (items_.empty()) not_empty_.wait(lock);` (or the predicate "
          "overload of wait): see two_condition_variables.",
      .expected = {weft::verdict::fail, weft::finding_kind::assertion},
      .options = options,
      .check_size = {.threads = 2, .iterations = 2},
      .native_size = {.threads = 4, .iterations = 5000},
      .body = produce_and_consume<bb::if_wait_buffer<cv_slots>>,
  };
}

variant notify_one_single_cv() {
  weft::check_options options;
  // A spurious wake-up can only rescue a sleeper: with them off, the
  // deadlock is found as quickly and its trace is shorter.
  options.spurious_wakeups = false;
  options.executions = 5000;
  return {
      .name = "notify_one_single_cv",
      .summary = "one condition variable for not-full and not-empty, with notify_one",
      .bug =
          "Producers and consumers wait on the same condition variable, and each put or take "
          "wakes one waiter, the one that has waited longest, whichever side it is on. Both "
          "consumers find the buffer empty and wait. Producer 1 puts an item and wakes "
          "consumer 1; producer 2 finds the buffer full and waits, behind consumer 2. "
          "Consumer 1 takes the item and its notify_one wakes consumer 2, not producer 2; "
          "consumer 2 finds the buffer empty and waits again. Producer 2 and consumer 2 now "
          "sleep, each waiting for the other: a deadlock.",
      .fix =
          "Wake everyone (notify_all, see single_cv_notify_all) or, better, give each "
          "condition its own condition variable (two_condition_variables), so a notify "
          "always reaches a thread that can proceed.",
      .expected = {weft::verdict::fail, weft::finding_kind::deadlock},
      .options = options,
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 5000},
      .body = produce_and_consume<bb::single_cv_buffer<cv_slots, false>>,
  };
}

variant mutex_then_semaphore() {
  weft::check_options options;
  options.executions = 1000;
  return {
      .name = "mutex_then_semaphore",
      .summary = "takes the mutex, then waits on the slot semaphore",
      .bug =
          "put and take lock the mutex first and then acquire their semaphore. A consumer "
          "that arrives at an empty buffer takes the mutex and sleeps on filled_slots; the "
          "producer that would fill a slot blocks on the mutex the consumer holds: a "
          "deadlock (symmetrically, a producer sleeping on a full buffer).",
      .fix =
          "Acquire the semaphore first and the mutex only around the ring operation, so no "
          "thread sleeps while holding the mutex: see semaphores.",
      .expected = {weft::verdict::fail, weft::finding_kind::deadlock},
      .options = options,
      .check_size = {.threads = 1, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 5000},
      .body = produce_and_consume<bb::mutex_then_semaphore_buffer<semaphore_slots>>,
  };
}

variant semaphores_without_mutex() {
  weft::check_options options;
  options.executions = 1000;
  return {
      .name = "semaphores_without_mutex",
      .summary = "free and filled slots counted by semaphores, the ring itself unguarded",
      .bug =
          "The semaphores guarantee that a producer has a free slot, not that it is alone: "
          "with two free slots, two producers pass free_slots.acquire() together and both "
          "read and write the ring's count and slots at once (a data race on ring::count_; a "
          "lost update would give two items one slot). The same holds for two consumers. "
          "With one producer and one consumer, or one slot, it would be correct.",
      .fix = "Keep the semaphores and add a mutex around the ring operation: see semaphores.",
      .expected = {weft::verdict::fail, weft::finding_kind::data_race},
      .options = options,
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 5000},
      .body = produce_and_consume<bb::semaphore_buffer<semaphore_slots, false>>,
  };
}

variant two_condition_variables() {
  return {
      .name = "two_condition_variables",
      .summary = "`while` loops and separate not_full / not_empty condition variables",
      .bug = "",
      .fix =
          "Each wait re-checks its condition in a loop after every wake-up (a barging thread "
          "or a spurious wake-up only costs another wait), and each condition has its own "
          "condition variable, so notify_one wakes a thread that waits for exactly the change "
          "that happened.",
      .expected = {},
      .options = sampled(),
      .check_size = {.threads = 2, .iterations = 2},
      .native_size = {.threads = 4, .iterations = 5000},
      .body = produce_and_consume<bb::two_cv_buffer<cv_slots>>,
  };
}

variant single_cv_notify_all() {
  return {
      .name = "single_cv_notify_all",
      .summary = "one condition variable for both conditions, with notify_all",
      .bug = "",
      .fix =
          "Every change wakes every waiter; each re-checks its own condition in its `while` "
          "loop, so the thread that can proceed is always among those woken. Correct, at the "
          "cost of waking threads that go straight back to sleep.",
      .expected = {},
      .options = sampled(),
      .check_size = {.threads = 2, .iterations = 2},
      .native_size = {.threads = 4, .iterations = 5000},
      .body = produce_and_consume<bb::single_cv_buffer<cv_slots, true>>,
  };
}

variant semaphores() {
  return {
      .name = "semaphores",
      .summary = "semaphores count free and filled slots, a mutex guards the ring",
      .bug = "",
      .fix =
          "A thread first waits on its semaphore (a free slot to fill, or a filled one to "
          "empty), holding nothing, and only then takes the mutex for the ring operation "
          "itself, which never blocks.",
      .expected = {},
      .options = exhaustive(100'000),
      .check_size = {.threads = 2, .iterations = 1},
      .native_size = {.threads = 4, .iterations = 5000},
      .body = produce_and_consume<bb::semaphore_buffer<semaphore_slots, true>>,
  };
}

}  // namespace

scenario make_bounded_buffer() {
  return {
      .name = "bounded_buffer",
      .description =
          "Producers put items into a small buffer (one slot; two for the semaphore variants) "
          "and consumers take them out: a producer must wait while the buffer is full and a "
          "consumer while it is empty, and each must be woken when that changes. The variants "
          "differ in how they wait and wake: "
          "with `if` instead of `while`, with one condition variable and notify_one, with "
          "semaphores taken in the wrong order or without a mutex; then the textbook monitor, "
          "notify_all, and semaphores done right. At the end every item must have been taken "
          "exactly once.",
      .parameters_help =
          "threads: producers, and as many consumers (2 x threads threads in "
          "all); iterations: items each producer puts and each consumer takes.",
      .limits = {.min_threads = 1,
                 .max_threads = 16,
                 .min_iterations = 1,
                 .max_iterations = 1'000'000},
      .variants = {if_wait(), notify_one_single_cv(), mutex_then_semaphore(),
                   semaphores_without_mutex(), two_condition_variables(), single_cv_notify_all(),
                   semaphores()},
  };
}

}  // namespace weft::scenarios::internal
