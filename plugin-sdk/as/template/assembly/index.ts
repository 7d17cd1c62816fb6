import { JSON, Request, Response, routes, tasks } from "@paca/plugin-sdk/as";

// The ABI entry points the kernel calls; they dispatch to the handlers bound below.
export { init, handle_request, handle_event, shutdown } from "@paca/plugin-sdk/as";

/** GET /plugins/{{id}}/projects/:projectId/hello: a greeting and the titles of the project's first tasks. */
function hello(req: Request): Response {
  // A host function answers instead of trapping: pass a refusal on to the client as it is.
  const page = tasks.list(new JSON.Obj().setInt("page_size", 5));
  if (!page.ok) return page.fail();

  const titles = new JSON.Arr();
  const body = page.value.asObj();
  const items = body !== null ? body.getArr("items") : null;
  if (items !== null) {
    for (let i = 0; i < items.length; i++) {
      const task = items.at(i)!.asObj();
      const title = task !== null ? task.getString("title") : null;
      if (title !== null) titles.push(new JSON.Str(title));
    }
  }
  return Response.json(200, new JSON.Obj()
    .setString("message", "Hello from {{name}}")
    .setString("project_id", req.projectId)
    .set("task_titles", titles));
}

routes.on("hello", hello);
