// Search queries: any bytes as the text of `vidscribe search` in every mode against a small library (the
// full-text query built from them must never be FTS5 syntax, nor fail inside SQLite), and as a query vector.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "harness.h"
#include "library/library.h"
#include "library/search.h"
#include "library/vector_index.h"

namespace {
using namespace vidscribe;

struct Fixture {
  std::filesystem::path dir = fuzz::as_file("", "unused").parent_path() / "search-fuzz";
  std::unique_ptr<library::Library> lib;
  library::Model model;
  std::unique_ptr<library::VectorIndex> index;
  Fixture() {
    std::filesystem::remove_all(dir);
    library::Library::OpenOptions o;
    o.create = true;
    lib = std::make_unique<library::Library>(dir / "lib.db", o);
    library::Transaction t(lib->db());
    const int64_t m = lib->put_model("fuzz", "/fuzz", 4);
    for (int v = 0; v < 3; ++v) {
      library::Video video;
      video.path = "/v" + std::to_string(v) + ".mp4";
      video.content_hash = "v1:" + std::to_string(v);
      video.duration_s = 6;
      const int64_t id = lib->put_video(video);
      std::vector<double> times = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5};
      std::vector<float> rows;
      for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 4; ++j) rows.push_back(j == (i + v) % 4 ? 1.0f : 0.0f);
      }
      lib->put_frame_set(id, m, "{}", times, 4, rows.data());
      VideoCaptions c;
      c.events = {{0, 3, "someone pours coffee \"quoted\" NEAR(x) col:y", 0.3}, {3, 6, "a cat sleeps* on the mat", 0.2}};
      c.model_json = "{}";
      c.options_json = "{}";
      lib->add_caption_run(id, c, "caption");
    }
    t.commit();
    model = *lib->model(m);
    index = std::make_unique<library::VectorIndex>(library::VectorIndex::open(*lib, model, {}, 1));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The first 16 bytes, when there are that many, also make a query vector (any floats, NaN and inf included).
  std::vector<float> q(4, 0.5f);
  if (size >= 16) std::memcpy(q.data(), data, 16);
  for (const char* mode : {"frames", "captions", "both"}) {
    fuzz::run([&] {
      library::SearchOptions o;
      o.mode = mode;
      o.top = 5;
      for (const library::Moment& m : library::search(*f.lib, &f.model, f.index.get(), q, text, o)) {
        if (!(m.start_s <= m.end_s) && std::isfinite(m.start_s)) std::abort();
      }
    });
  }
  return 0;
}
