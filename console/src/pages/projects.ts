import { currentProject, mgmt, setCurrentProject } from '../api'
import { heading, type PageContext } from '../app'
import { h } from '../dom'
import { confirmButton, empty, field, form, input, notice, region, table } from '../ui'

export function projectsPage(ctx: PageContext): void {
  const list = h('section', { 'aria-label': 'Projects' })
  const result = notice()
  const reload = () => { ctx.refreshProjects(); void show() }
  const create = form('Create a project', [field('Project name', input('name', { required: true, maxlength: '128' }))], 'Create', async data => {
    const created = await mgmt.createProject(String(data.get('name')))
    reload()
    return `Project created: ${created['project-id']}`
  })
  ctx.main.append(heading(ctx, 'Projects'), result.el, list, create)

  const show = () => region(list, 'projects', () => mgmt.projects(), ({ projects }) => {
    if (projects.length === 0) return empty('No projects yet. Create one below.')
    const current = currentProject()
    return table('Projects', ['Name', 'Id', 'Current', 'Actions'], projects.map(p => {
      const id = p['project-id']
      const rename = h('form', { class: 'inline', 'aria-label': `Rename ${p['project-name']}` },
        h('label', { for: `rename-${id}`, class: 'visually-hidden' }, `New name for ${p['project-name']}`),
        h('input', { id: `rename-${id}`, name: 'name', required: true, value: p['project-name'], maxlength: 128 }),
        h('button', { type: 'submit' }, 'Rename'))
      rename.addEventListener('submit', event => {
        event.preventDefault()
        const name = String(new FormData(rename).get('name'))
        mgmt.renameProject(id, name).then(() => { result.ok(`Renamed to ${name}`); reload() }, error => result.fail(error, 'The project was not renamed'))
      })
      const switchTo = h('button', { type: 'button', disabled: id === current }, id === current ? 'Current' : 'Switch to')
      switchTo.addEventListener('click', () => { setCurrentProject(id); reload(); result.ok(`Switched to ${p['project-name']}`) })
      return [p['project-name'], h('code', null, id), id === current ? 'yes' : 'no',
        h('div', { class: 'row-actions' }, switchTo, rename,
          confirmButton('Delete', `Delete the project “${p['project-name']}”?`, async () => {
            await mgmt.deleteProject(id)
            if (id === current) setCurrentProject(null)
            result.ok(`Deleted ${p['project-name']}`)
            reload()
          }, error => result.fail(error, 'The project was not deleted')))]
    }))
  })
  void show()
}
