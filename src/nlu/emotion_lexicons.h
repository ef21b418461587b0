// The compiled-in emotion lexicons (private to emotion.cc), in the text
// format of ParseEmotionLexicon. Written for kefu: how customers complain,
// worry, are disappointed and thank, in Chinese and in English.
#pragma once

#include <string_view>

namespace kefu::nlu {

std::string_view BuiltinEmotionLexiconZh();  // emotion_lexicon_zh.cc
std::string_view BuiltinEmotionLexiconEn();  // emotion_lexicon_en.cc

}  // namespace kefu::nlu
