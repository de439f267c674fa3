// Small concurrent programs with known answers, shared by the checker's
// tests: each is a test body for weft::check.
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/thread.hpp"

namespace weft::testing {

// Two threads increment with a load then a store: a lost update, found only
// with a preemption between one thread's load and store.
inline void racy_counter() {
  weft::atomic<int> n{0};
  auto increment = [&n] { n.store(n.load() + 1); };
  weft::thread a(increment), b(increment);
  a.join();
  b.join();
  WEFT_ASSERT(n.load() == 2);
}

// The fixed counter: fetch_add.
inline void fixed_counter() {
  weft::atomic<int> n{0};
  auto increment = [&n] { n.fetch_add(1); };
  weft::thread a(increment), b(increment);
  a.join();
  b.join();
  WEFT_ASSERT(n.load() == 2);
}

// `n` dining philosophers, each taking its left fork then its right: a
// deadlock; with `ordered`, the lower-numbered fork first: none.
inline void philosophers(int n, bool ordered) {
  std::vector<weft::mutex> forks(static_cast<std::size_t>(n));
  std::vector<weft::thread> diners;
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

}  // namespace weft::testing
