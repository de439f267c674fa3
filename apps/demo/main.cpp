// weft-demo: a short tour of the primitives on real threads, printing what
// each one guaranteed. The scenario checks replace it as weft's main job.
#include <weft/weft.hpp>

#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

bool demo_mutex() {
  constexpr int threads = 4;
  constexpr int iterations = 100000;
  weft::mutex m;
  long counter = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < iterations; ++i) {
        std::lock_guard guard(m);
        ++counter;
      }
    });
  }
  for (auto& t : pool)
    t.join();
  const long expected = static_cast<long>(threads) * iterations;
  std::printf("mutex: %d threads x %d increments = %ld (expected %ld)\n", threads, iterations,
              counter, expected);
  return counter == expected;
}

}  // namespace

int main() {
  bool ok = true;
  ok &= demo_mutex();
  std::puts(ok ? "weft-demo: all primitives behaved" : "weft-demo: FAILED");
  return ok ? 0 : 1;
}
