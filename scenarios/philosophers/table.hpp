// The dinner every philosophers variant runs: `n` philosophers around a
// round table, one fork between each two neighbours, each philosopher
// eating `meals` meals with both adjacent forks. The variants differ only
// in the protocol that hands out the forks (protocols.hpp).
//
// Seating: philosopher p sits between fork p (their left) and fork
// (p + 1) % n (their right); their neighbours are p - 1 and p + 1 (mod n).
#pragma once

#include <cstddef>
#include <vector>

#include "weft/check.hpp"
#include "weft/scenarios/scenario.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace weft::scenarios::philosophers {

[[nodiscard]] inline std::size_t left_fork(int p, int n) {
  return static_cast<std::size_t>(p % n);
}
[[nodiscard]] inline std::size_t right_fork(int p, int n) {
  return static_cast<std::size_t>((p + 1) % n);
}
[[nodiscard]] inline int left_neighbour(int p, int n) {
  return (p + n - 1) % n;
}
[[nodiscard]] inline int right_neighbour(int p, int n) {
  return (p + 1) % n;
}

// What eating does to the forks. Each fork counts its uses as plain shared
// data, so a protocol that let two neighbours eat at once would be caught:
// under the checker as a data race on their common fork, natively as a
// lost use in the final count (and by ThreadSanitizer).
class table {
 public:
  explicit table(int seats) : seats_(seats), fork_uses_(static_cast<std::size_t>(seats)) {}

  // Philosopher p eats, with both of their forks.
  void eat(int p) {
    weft::shared<int>& left = fork_uses_[left_fork(p, seats_)];
    weft::shared<int>& right = fork_uses_[right_fork(p, seats_)];
    left.set(left.get() + 1);
    right.set(right.get() + 1);
  }

  // After the dinner: each fork served its two neighbours `meals` times each.
  void check_forks(int meals) const {
    for (const weft::shared<int>& uses : fork_uses_)
      WEFT_ASSERT(uses.get() == 2 * meals);
  }

 private:
  int seats_;
  std::vector<weft::shared<int>> fork_uses_;
};

// Runs one dinner: size.threads philosophers each eat size.iterations
// meals, taking and returning their forks through a `Protocol` (a class
// constructed with the number of seats, with pick_up(p) and put_down(p)).
template <typename Protocol>
void dine(const parameters& size) {
  const int seats = size.threads;
  const int meals = size.iterations;
  table forks(seats);
  Protocol protocol(seats);
  std::vector<weft::thread> philosophers;
  philosophers.reserve(static_cast<std::size_t>(seats));
  for (int p = 0; p < seats; ++p) {
    philosophers.emplace_back([&forks, &protocol, p, meals] {
      for (int meal = 0; meal < meals; ++meal) {
        protocol.pick_up(p);
        forks.eat(p);
        protocol.put_down(p);
      }
    });
  }
  for (weft::thread& philosopher : philosophers)
    philosopher.join();
  forks.check_forks(meals);
}

}  // namespace weft::scenarios::philosophers
