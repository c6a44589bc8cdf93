// Without libFuzzer (the ordinary gcc build): runs a harness over files and folders of inputs, so that the
// corpus and every input a fuzzer once crashed on are replayed by the test suite.
//   fuzz_NAME_replay [--mutate SECONDS] [--seed N] PATH...   (a folder: every file in it, recursively)
// --mutate then keeps feeding the harness random mutations of those inputs for SECONDS (a smoke run: no
// coverage guidance, that is scripts/fuzz.sh's job). The mutations follow from the seed alone, so a run is
// repeatable; an input that crashes the harness is written to fuzz-crash-NAME-SEED before the process dies.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the crash handler (which may only use async-signal-safe calls).
const std::string* g_current = nullptr;
char g_crash_path[256] = {0};

void on_fatal_signal(int sig) {
  if (g_current != nullptr && g_crash_path[0] != 0) {
    const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      size_t done = 0;
      while (done < g_current->size()) {
        const ssize_t n = ::write(fd, g_current->data() + done, g_current->size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::close(fd);
      static const char msg[] = "fuzz smoke run: the crashing input is in ";
      (void)!::write(2, msg, sizeof msg - 1);
      (void)!::write(2, g_crash_path, std::strlen(g_crash_path));
      (void)!::write(2, "\n", 1);
    }
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// One random edit of the kinds that find parser bugs: flipped bits, boundary values, cut, repeated or
// inserted bytes, and bytes copied from elsewhere in the input (which keeps tags and magic numbers intact).
void mutate_once(std::string& s, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x40};
  switch (rng() % 7) {
    case 0:
      if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
      break;
    case 1:
      if (!s.empty()) s[pick(s.size())] = static_cast<char>(kInteresting[pick(sizeof kInteresting)]);
      break;
    case 2:
      if (!s.empty()) s.resize(pick(s.size()));
      break;
    case 3: {
      const size_t at = pick(s.size() + 1), n = 1 + pick(16);
      std::string bytes(n, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      s.insert(at, bytes);
      break;
    }
    case 4:
      if (!s.empty()) {
        const size_t at = pick(s.size()), n = 1 + pick(std::min<size_t>(s.size() - at, 64));
        s.erase(at, n);
      }
      break;
    case 5:
      if (!s.empty()) {
        const size_t from = pick(s.size()), n = 1 + pick(std::min<size_t>(s.size() - from, 64));
        const std::string piece = s.substr(from, n);
        s.insert(pick(s.size() + 1), piece);
      }
      break;
    default:
      if (s.size() >= 4) {  // a 32-bit field set to a boundary value
        const size_t at = pick(s.size() - 3);
        const uint32_t values[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu};
        const uint32_t v = values[pick(5)];
        std::memcpy(&s[at], &v, 4);
      }
      break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  double mutate_seconds = 0;
  uint64_t seed = 1;
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--mutate" || arg == "--seed") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--mutate") mutate_seconds = std::stod(value);
      else seed = std::stoull(value);
      continue;
    }
    const std::filesystem::path p = arg;
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) inputs.push_back(e.path());
      }
    } else {
      inputs.push_back(p);
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s [--mutate SECONDS] [--seed N] FILE_OR_FOLDER...\n", argv[0]);
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());  // the seed alone decides a smoke run, not the folder's order
  std::vector<std::string> corpus;
  for (const auto& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    corpus.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::snprintf(g_crash_path, sizeof g_crash_path, "fuzz-crash-%s-%llu",
                std::filesystem::path(argv[0]).filename().c_str(), static_cast<unsigned long long>(seed));
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_fatal_signal);

  for (const auto& bytes : corpus) {
    g_current = &bytes;
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replayed %zu inputs\n", corpus.size());
  if (mutate_seconds <= 0) return 0;

  std::mt19937_64 rng(seed);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(mutate_seconds);
  uint64_t runs = 0;
  std::string input;
  while (std::chrono::steady_clock::now() < end) {
    input = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) mutate_once(input, rng);
    g_current = &input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    ++runs;
  }
  std::printf("ran %llu mutated inputs in %.0f s (seed %llu)\n", static_cast<unsigned long long>(runs),
              mutate_seconds, static_cast<unsigned long long>(seed));
  return 0;
}
