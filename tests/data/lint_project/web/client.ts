// Mistakes: a full endpoint as baseURL, a fixed top_p changed, n above 1.
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: "https://api.moonshot.ai/v1/chat/completions",
  apiKey: process.env.MOONSHOT_API_KEY,
});

export async function ask(prompt: string) {
  return client.chat.completions.create({
    model: "kimi-k2.6",
    messages: [{ role: "user", content: prompt }],
    top_p: 0.9,
    n: 2,
  });
}
