// Uses the primitives through the umbrella header and checks the results, so
// that the packaging test fails if anything is missing or broken.
#include <weft/weft.hpp>

#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

int main() {
  weft::mutex m;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        std::lock_guard guard(m);
        ++counter;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  if (counter != 40000) {
    std::fprintf(stderr, "consumer: expected 40000, got %ld\n", counter);
    return 1;
  }
  std::puts("consumer: ok");
  return 0;
}
