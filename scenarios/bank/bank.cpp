// The bank scenario: tellers move money between accounts, each guarded by
// its own mutex. The transfers themselves are in transfers.hpp; this file
// runs them and lists the variants.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "factories.hpp"
#include "transfers.hpp"
#include "weft/check.hpp"
#include "weft/thread.hpp"

namespace weft::scenarios::internal {

namespace {

namespace bk = weft::scenarios::bank;

using transfer_function = void (*)(bk::account& from, bk::account& to, int amount);

constexpr int opening_balance = 100;
// More than half an opening balance: two withdrawals from one account cannot
// both be covered, so the balance check matters.
constexpr int transfer_amount = 60;

// `p.threads` tellers over max(2, threads) accounts in a ring. Teller t
// makes `p.iterations` transfers between accounts t and t + 1 (wrapping
// around), alternately one way and the other. With two tellers, the two
// work on the same two accounts in opposite directions; with more, each
// account is shared by two neighbouring tellers. At the end no money has
// been made or lost and no account is overdrawn.
template <transfer_function transfer>
void run_tellers(const parameters& p) {
  const auto count = static_cast<std::size_t>(std::max(2, p.threads));
  std::vector<bk::account> accounts(count);
  for (std::size_t i = 0; i < count; ++i) {
    accounts[i].number = static_cast<int>(i);
    accounts[i].balance.set(opening_balance);
  }
  std::vector<weft::thread> tellers;
  tellers.reserve(static_cast<std::size_t>(p.threads));
  for (int t = 0; t < p.threads; ++t) {
    tellers.emplace_back([&accounts, t, count, transfers = p.iterations] {
      bk::account& mine = accounts[static_cast<std::size_t>(t) % count];
      bk::account& next = accounts[static_cast<std::size_t>(t + 1) % count];
      for (int k = 0; k < transfers; ++k) {
        if (k % 2 == 0) {
          transfer(mine, next, transfer_amount);
        } else {
          transfer(next, mine, transfer_amount);
        }
      }
    });
  }
  for (weft::thread& teller : tellers)
    teller.join();
  int total = 0;
  for (const bk::account& a : accounts) {
    WEFT_ASSERT(a.balance.get() >= 0);
    total += a.balance.get();
  }
  WEFT_ASSERT(total == static_cast<int>(count) * opening_balance);
}

variant transfer_deadlock() {
  weft::check_options options;
  options.executions = 1000;
  return {
      .name = "transfer_deadlock",
      .summary = "locks the paying account, then the receiving one",
      .bug =
          "Teller 0 moves money from account 0 to account 1 while teller 1 moves money from "
          "account 1 to account 0. Each locks its paying account first: teller 0 holds "
          "account 0 and waits for account 1, which teller 1 holds while it waits for "
          "account 0. Neither lock is ever released: a deadlock. With more tellers the "
          "cycle runs through all of them, as with the dining philosophers.",
      .fix =
          "Take the two locks in one order that every thread agrees on, whatever the "
          "direction of the transfer (ordered_locks), or let std::scoped_lock take them "
          "(scoped_lock).",
      .expected = {weft::verdict::fail, weft::finding_kind::deadlock},
      .options = options,
      .check_size = {.threads = 2, .iterations = 1},
      // Two tellers: their transfers are directly opposite. With more, a
      // deadlock needs the whole ring of tellers at once and shows less often.
      .native_size = {.threads = 2, .iterations = 100'000},
      .body = run_tellers<bk::transfer_locking_from_then_to>,
  };
}

variant unlocked_balance_check() {
  weft::check_options options;
  options.executions = 1000;
  return {
      .name = "unlocked_balance_check",
      .summary = "checks the balance before taking the locks",
      .bug =
          "To decline a transfer cheaply, the teller reads the paying account's balance "
          "before locking. That read is not ordered with the other teller's update of the "
          "same account under its lock: a data race (teller 0 reads account 0 while teller 1 "
          "pays into it). It is also a check-then-act bug: by the time the locks are held, "
          "another transfer may have taken the money, and the account is overdrawn.",
      .fix =
          "Check the balance after taking both locks, in the same critical section as the "
          "update (as ordered_locks does in move_money).",
      .expected = {weft::verdict::fail, weft::finding_kind::data_race},
      .options = options,
      .check_size = {.threads = 2, .iterations = 2},
      .native_size = {.threads = 4, .iterations = 100'000},
      .body = run_tellers<bk::transfer_checking_before_locking>,
  };
}

variant ordered_locks() {
  weft::check_options options;
  // Every distinct order of the tellers' lock operations: proves the
  // check size correct.
  options.strategy = weft::strategy_kind::dfs;
  options.executions = 100'000;
  return {
      .name = "ordered_locks",
      .summary = "locks the lower-numbered account first",
      .bug = "",
      .fix =
          "Every teller takes the lock of the lower-numbered account first, whichever way "
          "the money moves. A cycle of waiting tellers would need one of them to wait for a "
          "lower-numbered lock while holding a higher one, which nobody does. The balance "
          "check and both updates happen under both locks, so the total is conserved and no "
          "account is overdrawn.",
      .expected = {},
      .options = options,
      .check_size = {.threads = 3, .iterations = 2},
      .native_size = {.threads = 4, .iterations = 100'000},
      .body = run_tellers<bk::transfer_in_account_order>,
  };
}

variant scoped_lock() {
  weft::check_options options;
  // Random, not dfs: std::lock retries after a failed try_lock without
  // yielding, so an exhaustive search meets the (endless) schedule in which
  // two tellers always fail their try_lock in turn, and reports it at
  // max_steps. A real scheduler does not keep that up.
  options.executions = 3000;
  return {
      .name = "scoped_lock",
      .summary = "takes both locks with std::scoped_lock",
      .bug = "",
      .fix =
          "std::scoped_lock(from.m, to.m) locks both with std::lock's deadlock-avoiding "
          "algorithm: it blocks only on the first lock, tries the other, and on failure "
          "releases what it holds and starts again from the lock it could not get. No "
          "teller ever waits while holding a lock, so no deadlock; and no account order "
          "is needed.",
      .expected = {},
      .options = options,
      .check_size = {.threads = 3, .iterations = 2},
      .native_size = {.threads = 4, .iterations = 100'000},
      .body = run_tellers<bk::transfer_with_scoped_lock>,
  };
}

}  // namespace

scenario make_bank() {
  return {
      .name = "bank",
      .description =
          "Tellers move money between bank accounts, each account a balance guarded by its own "
          "weft::mutex. A transfer must hold both accounts' locks so that the balance check "
          "and the two updates look atomic; a transfer the paying account cannot cover is "
          "declined. Transfers go both ways between the same accounts, so the order in which "
          "the two locks are taken matters. The variants: "
          "locking payer then payee (a deadlock), checking the balance before locking (a data "
          "race), then locking in account order, and std::scoped_lock. At the end the total "
          "must equal the money the accounts opened with, and no account may be overdrawn.",
      .parameters_help =
          "threads: tellers (and accounts, at least 2); teller t transfers "
          "between accounts t and t + 1. iterations: transfers each teller makes, "
          "alternating in direction.",
      .limits = {.min_threads = 1,
                 .max_threads = 32,
                 .min_iterations = 1,
                 .max_iterations = 1'000'000},
      .variants = {transfer_deadlock(), unlocked_balance_check(), ordered_locks(), scoped_lock()},
  };
}

}  // namespace weft::scenarios::internal
