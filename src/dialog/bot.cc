// The bot's turn: policy, flows, responses (bot.h).
#include "dialog/bot.h"

#include <algorithm>
#include <cctype>

#include "dialog/conditions.h"
#include "dialog/templates.h"

namespace kefu::dialog {
namespace {

constexpr int kMaxStepsPerTurn = 64;   // a flow that loops without asking is cut off
constexpr size_t kMaxStack = 3;        // flows in progress at once (a digression in a digression)
constexpr size_t kMaxTextSlot = 1000;  // bytes kept of a free-text answer

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// The message without trailing punctuation, lower case: "好的！" → "好的".
std::string Bare(std::string_view normalized) {
  std::string s = Lower(Trim(normalized));
  static const char* kTrailing[] = {"!",  "?",  ".",  ",",  "~",    "！", "？", "。", "，",
                                    "～", "呀", "啊", "吧", "的呢", "呢", "哦", "喔", "噢"};
  bool again = true;
  while (again && !s.empty()) {
    again = false;
    for (const char* t : kTrailing) {
      std::string_view suffix(t);
      if (s.size() > suffix.size() &&
          s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
        s.resize(s.size() - suffix.size());
        s = Trim(s);
        again = true;
      }
    }
  }
  return s;
}

bool OneOf(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (s == w) return true;
  }
  return false;
}

// Yes / no answers the classifier may not see as affirm / deny (they are short).
int YesNo(const std::string& bare) {
  if (OneOf(bare,
            {"是",     "是的",     "对",         "对的",    "好",    "好的",      "要",
             "需要",   "可以",     "行",         "嗯",      "嗯嗯",  "没错",      "当然",
             "麻烦了", "麻烦你了", "好啊",       "要的",    "係",    "系",        "好呀",
             "yes",    "y",        "yeah",       "yep",     "yup",   "sure",      "ok",
             "okay",   "please",   "yes please", "correct", "right", "of course", "please do"})) {
    return 1;
  }
  if (OneOf(bare, {"不",     "不是",      "不要",         "不用",    "不需要", "没有", "没", "否",
                   "不用了", "不必",      "唔使",         "唔要",    "冇",     "no",   "n",  "nope",
                   "nah",    "no thanks", "no thank you", "not now", "none",   "skip"})) {
    return 0;
  }
  return -1;
}

// "1", "第一个", "the first" → 0; "2", "第二个", "后者" → 1; else -1.
int Ordinal(const std::string& bare) {
  if (OneOf(bare, {"1", "第一个", "第一", "前者", "前一个", "a", "first", "the first",
                   "the first one", "first one", "option 1", "1st"})) {
    return 0;
  }
  if (OneOf(bare, {"2", "第二个", "第二", "后者", "后一个", "b", "second", "the second",
                   "the second one", "second one", "option 2", "2nd"})) {
    return 1;
  }
  return -1;
}

std::string JoinSentences(const std::string& a, const std::string& b, std::string_view lang) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (lang == "zh") return a + b;
  return a + " " + b;
}

}  // namespace

// ---- DialogState ------------------------------------------------------------

Json DialogState::ToJson() const {
  Json j = Json::object();
  j["language"] = language;
  j["variant"] = std::string(text::VariantName(variant));
  j["slots"] = slots;
  Json frames = Json::array();
  for (const auto& f : stack) {
    frames.push_back({{"flow", f.flow}, {"step", f.step}, {"attempts", f.attempts}});
  }
  j["stack"] = std::move(frames);
  j["fallback_streak"] = fallback_streak;
  Json options = Json::array();
  for (const auto& c : clarify) {
    options.push_back({{"kind", c.kind == Candidate::Kind::kFaq ? "faq" : "intent"},
                       {"name", c.name},
                       {"score", c.score}});
  }
  j["clarify"] = std::move(options);
  j["handed_off"] = handed_off;
  j["turns"] = turns;
  return j;
}

DialogState DialogState::FromJson(const Json& j) {
  DialogState s;
  if (!j.is_object()) return s;
  try {
    s.language = j.value("language", "");
    std::string v = j.value("variant", "zh-CN");
    for (auto variant : {text::Variant::kSimplified, text::Variant::kTraditional,
                         text::Variant::kHongKong, text::Variant::kTaiwan}) {
      if (text::VariantName(variant) == v) s.variant = variant;
    }
    if (j.contains("slots") && j["slots"].is_object()) s.slots = j["slots"];
    if (j.contains("stack") && j["stack"].is_array()) {
      for (const auto& f : j["stack"]) {
        s.stack.push_back({f.value("flow", ""), f.value("step", 0), f.value("attempts", 0)});
      }
    }
    s.fallback_streak = j.value("fallback_streak", 0);
    if (j.contains("clarify") && j["clarify"].is_array()) {
      for (const auto& c : j["clarify"]) {
        Candidate cand;
        cand.kind =
            c.value("kind", "intent") == "faq" ? Candidate::Kind::kFaq : Candidate::Kind::kIntent;
        cand.name = c.value("name", "");
        cand.score = c.value("score", 0.0);
        s.clarify.push_back(std::move(cand));
      }
    }
    s.handed_off = j.value("handed_off", false);
    s.turns = j.value("turns", int64_t{0});
  } catch (const Json::exception&) {
    return DialogState{};
  }
  return s;
}

// ---- one turn ---------------------------------------------------------------

// One customer turn in progress. Owned by a shared_ptr while an HTTP call is
// out; runs on whichever thread delivers the call's answer.
class TurnRun : public std::enable_shared_from_this<TurnRun> {
 public:
  TurnRun(const Bot& bot, DialogState state, BotMessage message, TurnCallback done)
      : bot_(bot),
        pkg_(bot.package_),
        responses_(bot.responses_),
        message_(std::move(message)),
        done_(std::move(done)) {
    result_.state = std::move(state);
  }

  void Start() {
    DialogState& st = result_.state;
    // Flows a reloaded package no longer has are dropped, not resumed.
    std::erase_if(st.stack, [&](const DialogState::Frame& f) {
      const FlowDefinition* flow = pkg_.FindFlow(f.flow);
      return flow == nullptr || f.step < 0 || static_cast<size_t>(f.step) >= flow->steps.size();
    });
    const std::string fallback_language = st.language.empty() ? pkg_.default_language : st.language;
    understood_ =
        bot_.understanding_->Understand(message_.text, fallback_language, message_.now_millis);
    text::ReplyLocale locale = text::NextReplyLocale(
        {fallback_language, st.variant}, understood_.analysis, bot_.options_.traditional);
    // A language the bot does not speak keeps the conversation's.
    lang_ = Speaks(locale.language) ? locale.language : fallback_language;
    st.language = lang_;
    st.variant = locale.variant;
    decision_ = bot_.understanding_->Decide(understood_);
    bare_ = Bare(understood_.analysis.normalized);
    Annotate();

    std::vector<Candidate> offered = std::move(st.clarify);
    st.clarify.clear();
    // A reply to "A or B?": "the first", "第二个", or A's own wording.
    if (!offered.empty() && st.stack.empty()) {
      int pick = Ordinal(bare_);
      if (pick >= 0 && static_cast<size_t>(pick) < offered.size()) {
        const Candidate& c = offered[static_cast<size_t>(pick)];
        decision_.policy = c.kind == Candidate::Kind::kFaq ? Policy::kFaq : Policy::kIntent;
        decision_.target = c.name;
        decision_.confidence = c.score;
        decision_.reason = "picked option " + std::to_string(pick + 1);
        policy_ = "clarified";
      }
    }

    const auto& emotion = understood_.emotion;
    double anger = emotion.intensities[static_cast<int>(nlu::Emotion::kAnger)];
    EmpathyFor(emotion);

    result_.vip = !message_.contact_tier.empty() &&
                  std::find(pkg_.handoff.vip_tiers.begin(), pkg_.handoff.vip_tiers.end(),
                            message_.contact_tier) != pkg_.handoff.vip_tiers.end();
    if (anger >= pkg_.handoff.anger_threshold) {
      Handoff("anger", "handoff");
      return Finish();
    }
    if (IsIntent(bot_.options_.human_intent)) {
      Handoff("customer_asked", "handoff");
      return Finish();
    }
    if (decision_.policy == Policy::kIntent && IsHumanOnly(decision_.target)) {
      const ResponseDefinition* own = responses_.Find(decision_.target);
      Handoff("human_only:" + decision_.target, own ? decision_.target : "handoff");
      return Finish();
    }
    if (result_.vip && !st.handed_off) {
      Handoff("vip", "handoff");
      return Finish();
    }
    if (!st.stack.empty() && CurrentStep() != nullptr &&
        CurrentStep()->kind == FlowStep::Kind::kAsk) {
      TakeAnswer();
      return;
    }
    Dispatch();
  }

 private:
  // ---- understanding ---------------------------------------------------------

  bool Speaks(const std::string& lang) const {
    return std::find(pkg_.languages.begin(), pkg_.languages.end(), lang) != pkg_.languages.end();
  }
  bool IsIntent(const std::string& name) const {
    return !name.empty() && decision_.policy == Policy::kIntent && decision_.target == name;
  }
  bool IsHumanOnly(const std::string& intent) const {
    const auto& h = pkg_.handoff.human_only_intents;
    return std::find(h.begin(), h.end(), intent) != h.end();
  }

  void Annotate() {
    Json& a = result_.annotations;
    a["language"] = lang_;
    a["script"] = std::string(text::ScriptName(understood_.analysis.script));
    a["intent"] = decision_.target;
    a["confidence"] = decision_.confidence;
    a["decision"] = std::string(PolicyName(decision_.policy));
    a["reason"] = decision_.reason;
    a["out_of_scope"] = understood_.out_of_scope;
    Json entities = Json::array();
    for (const auto& e : understood_.entities) {
      entities.push_back({{"name", e.name}, {"value", e.value}, {"text", e.text}});
    }
    a["entities"] = std::move(entities);
    a["emotion"] = {{"label", std::string(nlu::EmotionName(understood_.emotion.label))},
                    {"intensity", understood_.emotion.intensity}};
    Json candidates = Json::array();
    for (size_t i = 0; i < understood_.candidates.size() && i < 3; ++i) {
      const auto& c = understood_.candidates[i];
      candidates.push_back(
          {{"name", (c.kind == Candidate::Kind::kFaq ? "faq:" : "") + c.name}, {"score", c.score}});
    }
    a["candidates"] = std::move(candidates);
  }

  void EmpathyFor(const nlu::EmotionResult& emotion) {
    if (emotion.label == nlu::Emotion::kNeutral || emotion.label == nlu::Emotion::kJoy) return;
    if (emotion.intensity < bot_.options_.empathy_threshold) return;
    empathy_ = responses_.Render("empathy_" + std::string(nlu::EmotionName(emotion.label)), lang_,
                                 result_.state.turns, Slots());
  }

  // ---- saying ------------------------------------------------------------------

  // The slots templates see: the conversation's, and the built-in ones.
  Json Slots() const {
    Json s = result_.state.slots;
    s["bot_name"] = pkg_.persona.name.count(lang_) ? pkg_.persona.name.at(lang_) : "";
    if (!result_.state.stack.empty()) s["flow"] = result_.state.stack.back().flow;
    if (!result_.handoff_reason.empty()) s["handoff_reason"] = result_.handoff_reason;
    s["intent"] = decision_.policy == Policy::kIntent ? decision_.target : "";
    s["message"] = message_.text;
    for (size_t i = 0; i < options_.size() && i < 2; ++i) {
      s["option" + std::to_string(i + 1)] = options_[i];
    }
    return s;
  }

  void Say(std::string text, bool allow_empathy = true) {
    if (text.empty()) return;
    if (allow_empathy && !empathy_.empty() && result_.replies.empty()) {
      text = JoinSentences(empathy_, text, lang_);
    }
    result_.replies.push_back(std::move(text));
  }
  void Say(const ResponseDefinition& r) {
    Say(responses_.Render(r, lang_, result_.state.turns, Slots()));
  }
  void SayNamed(std::string_view name) {
    Say(responses_.Render(name, lang_, result_.state.turns, Slots()));
  }

  // The routing rule of the intent being served: the recognised one, else
  // the first trigger of the flow in progress.
  void RouteByIntent() {
    const IntentDefinition* intent = nullptr;
    if (decision_.policy == Policy::kIntent) intent = pkg_.FindIntent(decision_.target);
    if ((intent == nullptr || intent->handoff_queue.empty()) && !result_.state.stack.empty()) {
      const FlowDefinition* flow = pkg_.FindFlow(result_.state.stack.back().flow);
      if (flow != nullptr && !flow->triggers.empty()) {
        const IntentDefinition* t = pkg_.FindIntent(flow->triggers.front());
        if (t != nullptr && (intent == nullptr || !t->handoff_queue.empty())) intent = t;
      }
    }
    if (intent == nullptr) return;
    if (result_.handoff_queue.empty()) result_.handoff_queue = intent->handoff_queue;
    if (result_.handoff_priority < 0) result_.handoff_priority = intent->handoff_priority;
  }

  void Handoff(const std::string& reason, std::string_view response) {
    if (route_priority_ >= 0 || !route_queue_.empty()) {
      result_.handoff_queue = route_queue_;
      result_.handoff_priority = route_priority_;
    } else {
      result_.handoff_priority = -1;
    }
    RouteByIntent();
    if (result_.handoff_priority < 0) result_.handoff_priority = 0;
    route_queue_.clear();
    route_priority_ = -1;
    result_.handoff_reason = reason;
    policy_ = "handoff";
    SayNamed(response);
    result_.state.stack.clear();
    result_.state.fallback_streak = 0;
    result_.state.handed_off = true;
  }

  // ---- policy steps 2, 3, 5, 6 ---------------------------------------------

  void Dispatch() {
    DialogState& st = result_.state;
    switch (decision_.policy) {
      case Policy::kIntent: {
        st.fallback_streak = 0;
        const std::string& intent = decision_.target;
        if (const FlowDefinition* flow = pkg_.FlowFor(intent)) {
          if (policy_.empty()) policy_ = "flow";
          StartFlow(*flow);
          return;
        }
        if (intent == bot_.options_.cancel_intent && !responses_.Find(intent)) {
          SayNamed("nothing_to_cancel");
        } else if (const ResponseDefinition* r = responses_.Find(intent)) {
          Say(*r);
        } else {
          Fallback();
          return Finish();
        }
        if (policy_.empty()) policy_ = "intent";
        return Finish();
      }
      case Policy::kFaq:
        st.fallback_streak = 0;
        AnswerFaq(decision_.target);
        if (policy_.empty()) policy_ = "faq";
        return Finish();
      case Policy::kArticle: {
        st.fallback_streak = 0;
        const auto& chunks = bot_.understanding_->knowledge_base().ChunksOf(decision_.target);
        if (decision_.chunk >= 0 && static_cast<size_t>(decision_.chunk) < chunks.size()) {
          Say(chunks[static_cast<size_t>(decision_.chunk)].text);
          policy_ = "article";
        } else {
          Fallback();
        }
        return Finish();
      }
      case Policy::kClarify: {
        options_.clear();
        for (const auto& c : decision_.options) options_.push_back(Label(c));
        if (options_.size() >= 2) {
          SayNamed("clarify");
          st.clarify = decision_.options;
          result_.quick_replies.assign(options_.begin(), options_.begin() + 2);
          policy_ = "clarify";
        } else {
          Fallback();
        }
        return Finish();
      }
      case Policy::kFallback:
        if (bot_.options_.rag != nullptr) return AskModel();
        Fallback();
        return Finish();
    }
  }

  // Nothing in the package answers: the language model may, from the
  // knowledge base's best passages (never a locked one: those are sent word
  // for word or not at all). Without passages there is nothing to ground an
  // answer in, and the fallback answers.
  void AskModel() {
    const BotOptions& o = bot_.options_;
    llm::RagRequest r;
    r.tenant_id = message_.tenant_id;
    r.question = message_.text;
    r.language = lang_;
    r.persona = Localized(pkg_.persona.name);
    r.budget_ms = o.rag_budget_ms;
    for (const kb::Hit& h : understood_.kb_hits) {
      if (static_cast<int>(r.passages.size()) >= o.rag_passages) break;
      if (h.locked || h.probability < o.rag_min_probability) continue;
      std::string text = PassageText(h);
      if (text.empty()) continue;
      r.passages.push_back({std::string(h.kind == kb::HitKind::kFaq ? "faq:" : "article:") + h.id +
                                (h.chunk >= 0 ? "#" + std::to_string(h.chunk) : ""),
                            h.matched, std::move(text)});
    }
    if (r.passages.empty()) {
      Fallback();
      return Finish();
    }
    llm::TokenCallback draft;
    if (message_.on_draft) {
      auto self = shared_from_this();
      draft = [self](std::string_view token) {
        const text::Variant v = self->result_.state.variant;
        if (self->lang_ == "zh" && v != text::Variant::kSimplified) {
          self->message_.on_draft(self->bot_.understanding_->analyzer().ToVariant(token, v));
        } else {
          self->message_.on_draft(token);
        }
      };
    }
    auto self = shared_from_this();
    o.rag->Answer(std::move(r), std::move(draft),
                  [self](llm::RagAnswer a) { self->OnModel(std::move(a)); });
  }

  // The text a passage offers: a FAQ entry's answer in the reply language,
  // or an article chunk.
  std::string PassageText(const kb::Hit& h) const {
    if (h.kind == kb::HitKind::kFaq) {
      const FaqDefinition* faq = pkg_.FindFaq(h.id);
      return faq == nullptr ? "" : Localized(faq->answer);
    }
    const auto& chunks = bot_.understanding_->knowledge_base().ChunksOf(h.id);
    if (h.chunk < 0 || static_cast<size_t>(h.chunk) >= chunks.size()) return "";
    return chunks[static_cast<size_t>(h.chunk)].text;
  }

  void OnModel(llm::RagAnswer a) {
    const BotOptions& o = bot_.options_;
    Json llm{{"outcome", llm::OutcomeName(a.outcome)},
             {"cited", a.cited},
             {"attempts", a.completion.attempts},
             {"latency_ms", a.completion.latency_ms},
             {"prompt_tokens", a.completion.usage.prompt_tokens},
             {"completion_tokens", a.completion.usage.completion_tokens}};
    if (!a.error.ok()) llm["error"] = a.error.ToString();
    if (!a.verdict.reason.empty()) llm["reason"] = a.verdict.reason;
    result_.annotations["llm"] = std::move(llm);
    DialogState& st = result_.state;
    if (a.outcome == llm::RagAnswer::Outcome::kAnswered) {
      st.fallback_streak = 0;
      policy_ = "llm";
      result_.annotations["generated"] = true;
      Say(std::move(a.text));
      return Finish();
    }
    // The best passage itself, when it is likely enough to answer.
    for (const kb::Hit& h : understood_.kb_hits) {
      if (h.locked) continue;
      if (h.probability < o.extractive_min_probability) break;
      std::string text = PassageText(h);
      if (text.empty()) continue;
      st.fallback_streak = 0;
      policy_ = "kb_extractive";
      Say(std::move(text));
      return Finish();
    }
    Fallback();
    return Finish();
  }

  void Fallback() {
    DialogState& st = result_.state;
    ++st.fallback_streak;
    if (st.fallback_streak >= pkg_.handoff.fallback_streak) {
      Handoff("fallback_streak", "handoff_fallback");
      return;
    }
    policy_ = "fallback";
    Say(RenderTemplate(Localized(pkg_.fallback), Slots(), lang_));
  }

  void AnswerFaq(const std::string& id) {
    const FaqDefinition* faq = pkg_.FindFaq(id);
    if (faq == nullptr) return Fallback();
    // A locked answer is the approved wording and nothing else.
    Say(Localized(faq->answer), !faq->locked);
    if (faq->locked) result_.annotations["locked"] = true;
  }

  std::string Localized(const LocalizedText& t) const {
    auto it = t.find(lang_);
    if (it == t.end()) it = t.find(pkg_.default_language);
    return it == t.end() ? "" : it->second;
  }

  // How a candidate is offered: its first example or question in the language.
  std::string Label(const Candidate& c) const {
    if (c.kind == Candidate::Kind::kFaq) {
      if (const FaqDefinition* f = pkg_.FindFaq(c.name)) {
        auto it = f->questions.find(lang_);
        if (it != f->questions.end() && !it->second.empty()) return it->second.front();
      }
    } else if (const IntentDefinition* i = pkg_.FindIntent(c.name)) {
      auto it = i->examples.find(lang_);
      if (it != i->examples.end() && !it->second.empty()) return it->second.front();
    }
    return c.name;
  }

  // ---- flows -------------------------------------------------------------

  const FlowDefinition* CurrentFlow() const {
    if (result_.state.stack.empty()) return nullptr;
    return pkg_.FindFlow(result_.state.stack.back().flow);
  }
  const FlowStep* CurrentStep() const {
    const FlowDefinition* f = CurrentFlow();
    if (f == nullptr) return nullptr;
    int i = result_.state.stack.back().step;
    if (i < 0 || static_cast<size_t>(i) >= f->steps.size()) return nullptr;
    return &f->steps[static_cast<size_t>(i)];
  }

  void StartFlow(const FlowDefinition& flow) {
    DialogState& st = result_.state;
    if (st.stack.size() >= kMaxStack) st.stack.erase(st.stack.begin());
    st.stack.push_back({flow.name, 0, 0});
    // What the message itself says fills the flow's slots ("where is
    // SO20261128002" replaces an order number remembered from before).
    for (const auto& step : flow.steps) {
      if (step.kind != FlowStep::Kind::kAsk) continue;
      for (const auto& e : understood_.entities) {
        if (e.name == step.entity) {
          st.slots[step.slot] = e.value;
          break;
        }
      }
    }
    result_.annotations["flow"] = flow.name;
    Run();
  }

  // Moves the current frame to `target` (an index, kEnd, kHandoff or -1 for
  // the step after `from`).
  void Jump(int target, int from, const std::string& handoff_reason, std::string_view response) {
    DialogState& st = result_.state;
    if (target == FlowStep::kHandoff) {
      Handoff(handoff_reason, response);
      return;
    }
    if (target == FlowStep::kEnd) {
      EndFrame();
      return;
    }
    st.stack.back().step = target >= 0 ? target : from + 1;
    st.stack.back().attempts = 0;
  }

  // Ends the current flow; the one it interrupted (if any) asks again.
  void EndFrame() {
    DialogState& st = result_.state;
    st.stack.pop_back();
    if (!st.stack.empty()) resumed_ = true;
  }

  // Runs steps until the flow waits for an answer, calls out, or ends.
  void Run() {
    DialogState& st = result_.state;
    while (!st.stack.empty()) {
      if (++steps_run_ > kMaxStepsPerTurn) {
        Handoff("flow_loop:" + st.stack.back().flow, "action_failed");
        break;
      }
      const FlowDefinition* flow = CurrentFlow();
      const FlowStep* step = CurrentStep();
      if (flow == nullptr || step == nullptr) {  // ran off the end, or a flow gone
        EndFrame();
        continue;
      }
      int index = st.stack.back().step;
      result_.annotations["flow"] = flow->name;
      result_.annotations["step"] = step->id.empty() ? std::to_string(index) : step->id;
      switch (step->kind) {
        case FlowStep::Kind::kAsk: {
          if (step->reuse && HasSlot(*step)) {
            Jump(step->next, index, "", "");
            continue;
          }
          if (resumed_) {
            SayNamed("resume");
            resumed_ = false;
          }
          Say(step->prompt);
          return Finish();
        }
        case FlowStep::Kind::kSay:
          Say(step->prompt);
          Jump(step->next, index, "flow:" + flow->name, "handoff");
          continue;
        case FlowStep::Kind::kSet:
          for (const auto& [slot, value] : step->assignments) Assign(slot, value);
          Jump(step->next, index, "flow:" + flow->name, "handoff");
          continue;
        case FlowStep::Kind::kBranch: {
          int target = step->otherwise;
          for (const auto& [cond, go] : step->cases) {
            if (EvaluateCondition(cond, st.slots)) {
              target = go;
              break;
            }
          }
          Jump(target, index, "flow:" + flow->name, "handoff");
          continue;
        }
        case FlowStep::Kind::kCall:
          Call(*flow, *step, index);
          return;  // continues in OnCallDone
        case FlowStep::Kind::kHandoff:
          if (!step->prompt.empty()) Say(step->prompt);
          route_queue_ = step->queue;
          route_priority_ = step->priority;
          Handoff(step->reason.empty() ? "flow:" + flow->name : step->reason,
                  step->prompt.empty() ? "handoff" : "");
          return Finish();
        case FlowStep::Kind::kEnd:
          if (!step->prompt.empty()) Say(step->prompt);
          EndFrame();
          continue;
      }
    }
    Finish();
  }

  bool HasSlot(const FlowStep& step) const {
    const Json& slots = result_.state.slots;
    auto it = slots.find(step.slot);
    if (it == slots.end() || it->is_null()) return false;
    if (it->is_string() && it->get_ref<const std::string&>().empty()) return false;
    if (!step.choices.empty()) {
      std::string v = it->is_string() ? it->get<std::string>() : it->dump();
      return std::find(step.choices.begin(), step.choices.end(), v) != step.choices.end();
    }
    return true;
  }

  // `set`: a template; "{{x}}" alone copies x's value as it is; empty or
  // null clears the slot.
  void Assign(const std::string& slot, const std::string& value) {
    Json& slots = result_.state.slots;
    if (value.empty()) {
      slots.erase(slot);
      return;
    }
    auto names = TemplateSlots(value);
    std::string trimmed = Trim(value);
    if (names.ok() && names->size() == 1 && trimmed.rfind("{{", 0) == 0 && trimmed.size() >= 4 &&
        trimmed.compare(trimmed.size() - 2, 2, "}}") == 0 &&
        trimmed.find("{{", 2) == std::string::npos) {
      Json v = LookupPath(Slots(), names->front());
      if (v.is_null()) {
        slots.erase(slot);
      } else {
        slots[slot] = std::move(v);
      }
      return;
    }
    slots[slot] = RenderTemplate(value, Slots(), lang_);
  }

  // ---- policy step 1: a flow waiting for an answer ---------------------------

  void TakeAnswer() {
    DialogState& st = result_.state;
    const FlowDefinition& flow = *CurrentFlow();
    const FlowStep& step = *CurrentStep();
    int index = st.stack.back().step;
    result_.annotations["flow"] = flow.name;
    result_.annotations["step"] = step.id.empty() ? std::to_string(index) : step.id;
    policy_ = "slot";

    if (IsIntent(bot_.options_.cancel_intent) && !ExpectsYesNo(step)) {
      st.stack.pop_back();
      SayNamed("cancelled");
      policy_ = "cancel";
      if (!st.stack.empty()) {
        resumed_ = true;
        Run();
      } else {
        Finish();
      }
      return;
    }
    if (step.optional && !ExpectsYesNo(step) &&
        (YesNo(bare_) == 0 || IsIntent(bot_.options_.deny_intent))) {
      st.slots.erase(step.slot);
      Jump(step.next, index, "flow:" + flow.name, "handoff");
      Run();
      return;
    }
    Json value;
    if (Fill(step, &value)) {
      st.slots[step.slot] = std::move(value);
      st.fallback_streak = 0;
      Jump(step.next, index, "flow:" + flow.name, "handoff");
      Run();
      return;
    }
    // A digression: answered, then the flow asks again.
    if (decision_.policy == Policy::kFaq) {
      policy_ = "digression";
      AnswerFaq(decision_.target);
      resumed_ = true;
      AskAgain(step, false);
      return Finish();
    }
    if (decision_.policy == Policy::kIntent) {
      const FlowDefinition* other = pkg_.FlowFor(decision_.target);
      if (other != nullptr && other->name != flow.name) {
        policy_ = "digression";
        StartFlow(*other);
        return;
      }
      const ResponseDefinition* r = responses_.Find(decision_.target);
      bool answer_word = decision_.target == bot_.options_.affirm_intent ||
                         decision_.target == bot_.options_.deny_intent;
      if (other == nullptr && r != nullptr && !answer_word) {
        policy_ = "digression";
        Say(*r);
        resumed_ = true;
        AskAgain(step, false);
        return Finish();
      }
    }
    // Not an answer: ask again, or give up after max_attempts.
    if (++st.stack.back().attempts >= step.max_attempts) {
      if (step.on_fail == -1 || step.on_fail == FlowStep::kHandoff) {
        Handoff("ask_failed:" + flow.name, "ask_failed");
        return Finish();
      }
      Jump(step.on_fail, index, "ask_failed:" + flow.name, "ask_failed");
      Run();
      return;
    }
    AskAgain(step, true);
    Finish();
  }

  bool ExpectsYesNo(const FlowStep& step) const { return step.entity == "yes_no"; }

  void AskAgain(const FlowStep& step, bool reprompt) {
    if (resumed_) {
      SayNamed("resume");
      resumed_ = false;
    }
    Say(reprompt && !step.reprompt.empty() ? step.reprompt : step.prompt);
  }

  // The answer to an ask step in this message, if there is one.
  bool Fill(const FlowStep& step, Json* value) {
    const std::string& type = step.entity;
    auto allowed = [&](const std::string& v) {
      return step.choices.empty() ||
             std::find(step.choices.begin(), step.choices.end(), v) != step.choices.end();
    };
    if (type == "yes_no") {
      int yn = YesNo(bare_);
      if (yn < 0 && IsIntent(bot_.options_.affirm_intent)) yn = 1;
      if (yn < 0 &&
          (IsIntent(bot_.options_.deny_intent) || IsIntent(bot_.options_.cancel_intent))) {
        yn = 0;
      }
      if (yn < 0) return false;
      *value = yn == 1 ? "yes" : "no";
      return true;
    }
    if (type == "attachment") {
      if (message_.attachments.empty()) return false;
      *value = message_.attachments.size() == 1 ? Json(message_.attachments.front())
                                                : Json(message_.attachments);
      return true;
    }
    if (type == "text") {
      std::string t = Trim(message_.text);
      if (t.empty()) return false;
      // A question the knowledge base answers, or another task, is no answer.
      if (decision_.policy == Policy::kFaq && decision_.confidence >= 0.6) return false;
      if (decision_.policy == Policy::kIntent && pkg_.FlowFor(decision_.target) != nullptr &&
          pkg_.FlowFor(decision_.target)->name != result_.state.stack.back().flow &&
          decision_.confidence >= 0.6) {
        return false;
      }
      if (t.size() > kMaxTextSlot) t.resize(kMaxTextSlot);  // whole code points: see below
      while (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0x80) t.pop_back();
      if (!t.empty() && static_cast<unsigned char>(t.back()) >= 0xC0) t.pop_back();
      *value = t;
      return true;
    }
    for (const auto& e : understood_.entities) {
      if (e.name == type && allowed(e.value)) {
        *value = e.value;
        return true;
      }
    }
    return false;
  }

  // ---- call steps ------------------------------------------------------------

  void Call(const FlowDefinition& flow, const FlowStep& step, int index) {
    const ActionDefinition* action = pkg_.FindAction(step.action);
    Json view = Slots();
    Json secrets = Json::object();
    for (const auto& [k, v] : bot_.options_.secrets) secrets[k] = v;
    view["secret"] = std::move(secrets);
    HttpRequest req;
    req.method = action->method;
    req.url = (action->has_absolute_url() ? "" : bot_.options_.base_url) +
              RenderTemplate(action->url, view, lang_, Escape::kUrl);
    for (const auto& [name, value] : action->headers) {
      req.headers.emplace_back(name, RenderTemplate(value, view, lang_));
    }
    if (!action->body.empty()) {
      req.body = RenderTemplate(action->body, view, lang_, Escape::kJson);
      req.headers.emplace_back("Content-Type", "application/json");
    }
    req.timeout_ms = action->timeout_ms;
    result_.annotations["action"] = action->name;
    if (bot_.options_.http == nullptr) {
      OnCallDone(flow.name, index, Status::Unavailable("no HTTP client"));
      return;
    }
    auto self = shared_from_this();
    std::string flow_name = flow.name;
    bot_.options_.http->Send(std::move(req), [self, flow_name, index](Result<HttpResponse> r) {
      self->OnCallDone(flow_name, index, std::move(r));
    });
  }

  void OnCallDone(const std::string& flow_name, int index, Result<HttpResponse> r) {
    DialogState& st = result_.state;
    const FlowDefinition* flow = pkg_.FindFlow(flow_name);
    if (flow == nullptr || st.stack.empty()) return Finish();
    const FlowStep& step = flow->steps[static_cast<size_t>(index)];
    const ActionDefinition* action = pkg_.FindAction(step.action);
    const std::string failed = "action_failed:" + step.action;
    Json& outcome = result_.annotations["calls"];
    if (!outcome.is_array()) outcome = Json::array();
    if (!r.ok()) {
      st.slots["last_status"] = 0;
      outcome.push_back(
          {{"action", step.action}, {"error", std::string(CodeName(r.status().code()))}});
      int target = r.status().code() == Code::kDeadlineExceeded ? step.on_timeout : step.on_error;
      return Failed(target, index, failed);
    }
    st.slots["last_status"] = r->status;
    outcome.push_back({{"action", step.action}, {"status", r->status}});
    auto routed = step.on_status.find(r->status);
    if (routed != step.on_status.end()) {
      SaveResponse(*action, r->body);
      Jump(routed->second, index, failed, "action_failed");
      return Run();
    }
    if (r->status < 200 || r->status > 299 || !SaveResponse(*action, r->body)) {
      return Failed(step.on_error, index, failed);
    }
    Jump(step.next, index, failed, "action_failed");
    Run();
  }

  // A call that failed goes on at `target` (-1: hands off for `reason`).
  void Failed(int target, int index, const std::string& reason) {
    Jump(target == -1 ? FlowStep::kHandoff : target, index, reason, "action_failed");
    Run();
  }

  // Reads the action's `save` fields from a JSON body into slots.
  bool SaveResponse(const ActionDefinition& action, const std::string& body) {
    if (action.save.empty()) return true;
    Json doc = Json::parse(body, nullptr, false);
    if (doc.is_discarded()) return false;
    for (const auto& [slot, path] : action.save) {
      Json v = LookupPath(doc, path);
      if (v.is_null()) {
        result_.state.slots.erase(slot);
      } else {
        result_.state.slots[slot] = std::move(v);
      }
    }
    return true;
  }

  // ---- the end of a turn -------------------------------------------------------

  void Finish() {
    if (finished_) return;
    finished_ = true;
    DialogState& st = result_.state;
    ++st.turns;
    if (policy_.empty()) policy_ = std::string(PolicyName(decision_.policy));
    result_.annotations["policy"] = policy_;
    if (!result_.handoff_reason.empty()) {
      result_.annotations["handoff"] = result_.handoff_reason;
      if (!result_.handoff_queue.empty()) result_.annotations["queue"] = result_.handoff_queue;
      result_.annotations["priority"] = result_.handoff_priority;
    }
    if (lang_ == "zh" && st.variant != text::Variant::kSimplified) {
      const auto& analyzer = bot_.understanding_->analyzer();
      for (auto& r : result_.replies) r = analyzer.ToVariant(r, st.variant);
      for (auto& q : result_.quick_replies) q = analyzer.ToVariant(q, st.variant);
    }
    auto done = std::move(done_);
    done(std::move(result_));
  }

  const Bot& bot_;
  const BotPackage& pkg_;
  const Responses& responses_;
  BotMessage message_;
  TurnCallback done_;
  TurnResult result_;
  Understood understood_;
  Decision decision_;
  std::string lang_;
  std::string bare_;                  // the message, bare (for yes / no and "the first")
  std::string empathy_;               // the opening sentence for an upset customer
  std::vector<std::string> options_;  // clarify: the candidates' labels
  std::string policy_;                // what answered, for the annotations
  bool resumed_ = false;              // a flow was interrupted and continues: say so once
  bool finished_ = false;
  std::string route_queue_;  // a flow handoff step's routing, for Handoff
  int route_priority_ = -1;
  int steps_run_ = 0;
};

// ---- Bot ----------------------------------------------------------------------

Result<std::unique_ptr<Bot>> Bot::Build(const BotPackage& package, BotOptions options) {
  if (!(options.empathy_threshold >= 0 && options.empathy_threshold <= 1)) {
    return Status::InvalidArgument("bot options: empathy_threshold is in [0, 1]");
  }
  // From here on options.base_url is the address actions go to.
  if (options.base_url.empty()) options.base_url = package.base_url;
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  for (const auto& a : package.actions) {
    if (!a.has_absolute_url() && options.base_url.empty()) {
      return Status::InvalidArgument("action " + a.name + ": a relative url and no base_url");
    }
  }
  auto responses = Responses::Build(package, options.tone);
  if (!responses.ok()) return responses.status();
  auto understanding = Understanding::Build(package, options.understanding);
  if (!understanding.ok()) return understanding.status();
  std::unique_ptr<Bot> bot(new Bot());
  bot->package_ = package;
  bot->options_ = std::move(options);
  bot->understanding_ = std::move(*understanding);
  bot->responses_ = std::move(*responses);
  return bot;
}

std::unique_ptr<Bot> Bot::Copy() const {
  std::unique_ptr<Bot> bot(new Bot());
  bot->package_ = package_;
  bot->options_ = options_;
  bot->understanding_ = understanding_;
  bot->responses_ = responses_;
  return bot;
}

std::unique_ptr<Bot> Bot::WithFaqAnswers(
    const std::map<std::string, LocalizedText>& answers) const {
  std::unique_ptr<Bot> bot = Copy();
  for (auto& f : bot->package_.faq) {
    auto it = answers.find(f.id);
    if (it == answers.end()) continue;
    for (const auto& [lang, text] : it->second) f.answer[lang] = text;
  }
  return bot;
}

std::unique_ptr<Bot> Bot::WithRag(const llm::RagAnswerer* rag, int64_t budget_ms) const {
  std::unique_ptr<Bot> bot = Copy();
  bot->options_.rag = rag;
  if (budget_ms > 0) bot->options_.rag_budget_ms = budget_ms;
  return bot;
}

std::string Bot::Greeting(std::string_view language, text::Variant variant) const {
  std::string lang(language.empty() ? package_.default_language : language);
  auto it = package_.greeting.find(lang);
  if (it == package_.greeting.end()) it = package_.greeting.find(package_.default_language);
  if (it == package_.greeting.end()) return "";
  if (lang == "zh" && variant != text::Variant::kSimplified) {
    return understanding_->analyzer().ToVariant(it->second, variant);
  }
  return it->second;
}

Assist Bot::Suggest(std::string_view text, const text::ReplyLocale& locale, int k,
                    int64_t now_millis, double min_confidence) const {
  Assist out;
  const std::string fallback = locale.language.empty() ? package_.default_language : locale.language;
  Understood u = understanding_->Understand(text, fallback, now_millis);
  text::ReplyLocale next =
      text::NextReplyLocale({fallback, locale.variant}, u.analysis, options_.traditional);
  const auto& langs = package_.languages;
  out.language = std::find(langs.begin(), langs.end(), next.language) != langs.end()
                     ? next.language
                     : fallback;
  out.variant = next.variant;
  out.out_of_scope = u.out_of_scope;
  out.emotion = u.emotion;
  out.entities = std::move(u.entities);
  auto localized = [&](const LocalizedText& t) {
    auto it = t.find(out.language);
    if (it == t.end()) it = t.find(package_.default_language);
    std::string s = it == t.end() ? "" : it->second;
    if (out.language == "zh" && out.variant != text::Variant::kSimplified) {
      s = understanding_->analyzer().ToVariant(s, out.variant);
    }
    return s;
  };
  for (const Candidate& c : u.candidates) {
    if (c.kind == Candidate::Kind::kIntent) {
      // The best intent, when it is more than noise.
      if (out.intent.empty() && c.score >= 0.1) out.intent = c.name, out.intent_confidence = c.score;
      continue;
    }
    const FaqDefinition* faq = package_.FindFaq(c.name);
    if (faq == nullptr || c.score < min_confidence) continue;
    Suggestion s{"faq", faq->id, "", localized(faq->answer), c.score, faq->locked};
    auto q = faq->questions.find(out.language);
    if (q == faq->questions.end()) q = faq->questions.find(package_.default_language);
    if (q != faq->questions.end() && !q->second.empty()) s.title = q->second.front();
    if (out.language == "zh" && out.variant != text::Variant::kSimplified) {
      s.title = understanding_->analyzer().ToVariant(s.title, out.variant);
    }
    if (!s.text.empty()) out.suggestions.push_back(std::move(s));
  }
  std::stable_sort(out.suggestions.begin(), out.suggestions.end(),
                   [](const Suggestion& a, const Suggestion& b) { return a.confidence > b.confidence; });
  // Then one article passage, after the FAQ entries: passages' calibrated
  // probabilities run high for messages they do not answer (see
  // UnderstandingOptions::article_threshold), so they do not outrank them.
  const kb::KnowledgeBase& kb = understanding_->knowledge_base();
  for (const kb::Hit& h : u.kb_hits) {
    if (out.suggestions.size() >= static_cast<size_t>(std::max(k, 0))) break;
    if (h.kind != kb::HitKind::kArticle || h.probability < min_confidence) continue;
    const auto& chunks = kb.ChunksOf(h.id);
    if (h.chunk < 0 || static_cast<size_t>(h.chunk) >= chunks.size()) continue;
    out.suggestions.push_back({"article", h.id, h.matched,
                               chunks[static_cast<size_t>(h.chunk)].text, h.probability,
                               h.locked});
    break;
  }
  if (out.suggestions.size() > static_cast<size_t>(std::max(k, 0))) out.suggestions.resize(k);
  return out;
}

std::string Bot::HandoffOffline(const DialogState& state) const {
  return HandoffNotice(state, "handoff_offline");
}

std::string Bot::HandoffClosed(const DialogState& state) const {
  return HandoffNotice(state, "handoff_closed");
}

std::string Bot::HandoffNotice(const DialogState& state, std::string_view name) const {
  const std::string lang = state.language.empty() ? package_.default_language : state.language;
  Json slots = state.slots.is_object() ? state.slots : Json::object();
  slots["bot_name"] = package_.persona.name.count(lang) ? package_.persona.name.at(lang) : "";
  std::string text = responses_.Render(name, lang, state.turns, slots);
  if (lang == "zh" && state.variant != text::Variant::kSimplified) {
    text = understanding_->analyzer().ToVariant(text, state.variant);
  }
  return text;
}

void Bot::Respond(DialogState state, BotMessage message, TurnCallback done) const {
  auto run =
      std::make_shared<TurnRun>(*this, std::move(state), std::move(message), std::move(done));
  run->Start();
}

}  // namespace kefu::dialog
