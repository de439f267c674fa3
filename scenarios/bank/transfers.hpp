// The accounts of the bank scenario and the ways of moving money between two
// of them that the variants compare. Every transfer needs both accounts'
// locks: the balance check and the two updates must look atomic to everyone
// else.
#pragma once

#include <mutex>

#include "weft/mutex.hpp"
#include "weft/shared.hpp"

namespace weft::scenarios::bank {

struct account {
  int number = 0;  // the account's place in the bank: the lock order
  weft::mutex m;
  weft::shared<int> balance;  // guarded by m
};

// Moves `amount` if `from` can cover it (a declined transfer moves
// nothing). Requires: the caller holds both accounts' locks.
inline void move_money(account& from, account& to, int amount) {
  if (from.balance.get() < amount) return;
  from.balance.set(from.balance.get() - amount);
  to.balance.set(to.balance.get() + amount);
}

// Locks the account money leaves, then the one it goes to. Two opposite
// transfers between the same accounts each take their first lock and wait
// forever for the other's.
inline void transfer_locking_from_then_to(account& from, account& to, int amount) {
  const std::lock_guard first(from.m);
  const std::lock_guard second(to.m);  // BUG: the opposite transfer holds this and wants `from`
  move_money(from, to, amount);
}

// Locks the lower-numbered account first, whichever way the money goes: all
// threads take any two locks in one global order, so no cycle of waiting
// threads can form.
inline void transfer_in_account_order(account& from, account& to, int amount) {
  account& lower = from.number < to.number ? from : to;  // FIX: one order for everyone
  account& higher = from.number < to.number ? to : from;
  const std::lock_guard first(lower.m);
  const std::lock_guard second(higher.m);
  move_money(from, to, amount);
}

// std::scoped_lock takes both with std::lock's deadlock-avoiding algorithm:
// lock one, try the other, and on failure release and start from the one it
// could not get. A thread never waits while holding a lock, so no deadlock.
inline void transfer_with_scoped_lock(account& from, account& to, int amount) {
  const std::scoped_lock both(from.m, to.m);  // FIX: never blocks holding one of them
  move_money(from, to, amount);
}

// Checks the balance before locking, to decline a transfer without taking
// any lock, then locks (in account order) and moves the money without
// looking again.
inline void transfer_checking_before_locking(account& from, account& to, int amount) {
  if (from.balance.get() < amount) return;  // BUG: read without from.m: races with other tellers
  account& lower = from.number < to.number ? from : to;
  account& higher = from.number < to.number ? to : from;
  const std::lock_guard first(lower.m);
  const std::lock_guard second(higher.m);
  // BUG: the balance may have dropped since the check: this can overdraw.
  from.balance.set(from.balance.get() - amount);
  to.balance.set(to.balance.get() + amount);
}

}  // namespace weft::scenarios::bank
