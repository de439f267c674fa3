// What is specific to weft::spin_lock. The behaviour it shares with the
// other exclusive locks (std wrappers, try_lock, misuse, mutual exclusion
// under contention) is in test_exclusive_locks.cpp.
#include "weft/spin_lock.hpp"

#include <catch2/catch.hpp>

#include <mutex>
#include <thread>
#include <vector>

TEST_CASE("spin_lock try_lock loops and lock() callers mixed keep exclusion",
          "[spin_lock][stress]") {
  constexpr int threads = 4;
  constexpr int iterations = 5000;
  weft::spin_lock l;
  long counter = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < iterations; ++i) {
        if (t % 2 == 0) {
          std::lock_guard guard(l);
          ++counter;
        } else {
          while (!l.try_lock())
            std::this_thread::yield();
          ++counter;
          l.unlock();
        }
      }
    });
  }
  for (auto& t : pool)
    t.join();
  CHECK(counter == static_cast<long>(threads) * iterations);
}
