// Small concurrent programs with known answers, shared by the checker's
// tests and benchmarks: each is a test body for weft::check.
//
// Tests that assert on a report's text see these programs' own text: the
// failed assertion reads "WEFT_ASSERT(counter.load() == 2)" and the trace
// names this header's lines, not the calling test's.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace weft::testing {

// Two threads increment with a load then a store: a lost update, found only
// with a preemption between one thread's load and store.
inline void racy_counter() {
  weft::atomic<int> counter{0};
  auto increment = [&counter] { counter.store(counter.load() + 1); };
  weft::thread a(increment), b(increment);
  a.join();
  b.join();
  WEFT_ASSERT(counter.load() == 2);
}

// The fixed counter: fetch_add.
inline void fixed_counter() {
  weft::atomic<int> counter{0};
  auto increment = [&counter] { counter.fetch_add(1); };
  weft::thread a(increment), b(increment);
  a.join();
  b.join();
  WEFT_ASSERT(counter.load() == 2);
}

// `threads` threads each add 1 to a weft::shared<int> `increments` times,
// each time under one weft::mutex; main joins them and asserts the sum.
// Correct: the shape that searches are timed on.
// With `main_works`, the main thread is one of the `threads` (it starts
// threads - 1 others and increments too): as many model threads as a
// harness that runs only workers, like Relacy's, has.
// The threads live in an array, not a std::vector: the test allocates
// nothing of its own per execution (a Relacy test keeps its state in
// members), so that the benchmarks time the checker. At most
// max_counter_threads threads.
inline constexpr int max_counter_threads = 8;
inline void mutex_counter(int threads, int increments, bool main_works = false) {
  if (threads < 1 || threads > max_counter_threads)
    throw std::invalid_argument("mutex_counter: threads must be in 1..max_counter_threads");
  weft::mutex m;
  weft::shared<int> counter{0};
  const auto work = [&m, &counter, increments] {
    for (int k = 0; k < increments; ++k) {
      const std::lock_guard guard(m);
      counter.set(counter.get() + 1);
    }
  };
  std::array<weft::thread, max_counter_threads> workers;
  const auto started = static_cast<std::size_t>(main_works ? threads - 1 : threads);
  for (std::size_t i = 0; i < started; ++i)
    workers[i] = weft::thread(work);
  if (main_works) work();
  for (std::size_t i = 0; i < started; ++i)
    workers[i].join();
  WEFT_ASSERT(counter.get() == threads * increments);
}

// `n` dining philosophers, each taking its left fork then its right: a
// deadlock; with `ordered`, the lower-numbered fork first: none.
inline void philosophers(int n, bool ordered) {
  std::vector<weft::mutex> forks(static_cast<std::size_t>(n));
  std::vector<weft::thread> diners;
  diners.reserve(static_cast<std::size_t>(n));
  for (int p = 0; p < n; ++p) {
    diners.emplace_back([&forks, p, n, ordered] {
      auto left = static_cast<std::size_t>(p);
      auto right = static_cast<std::size_t>((p + 1) % n);
      if (ordered && left > right) std::swap(left, right);
      const std::lock_guard first(forks[left]);
      const std::lock_guard second(forks[right]);
    });
  }
  for (weft::thread& d : diners)
    d.join();
}

// A spawned thread takes x then y while main takes y then x: a deadlock
// when each gets its first lock before the other's second.
inline void two_locks_deadlock() {
  weft::mutex x;
  weft::mutex y;
  weft::thread t([&x, &y] {
    const std::lock_guard first(x);
    const std::lock_guard second(y);
  });
  {
    const std::lock_guard first(y);
    const std::lock_guard second(x);
  }
  t.join();
}

}  // namespace weft::testing
